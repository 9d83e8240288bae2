using System.Buffers;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// Buffers the built-in executors collect a block's receipts and changes in, for a caller that gives
/// them back once it is done with the result (<see cref="BlockResult.ReturnLentBuffers"/>): a chain
/// pipeline that recycles its results (<see cref="Storage.ChainPipeline.RecycleResults"/>). For a block
/// of 10,000 transfers they are ~3 MB on the large-object heap, allocated anew every block otherwise.
/// </summary>
internal sealed class ResultBuffers
{
    // Blocks in flight at once in a pipeline: reported, committing, hashed, executing, and one to spare.
    private const int BuffersPerSize = 5;
    private const int MaxLength = 1 << 24; // a larger block's arrays are its own, never kept

    private readonly ArrayPool<StateChange> _changes = ArrayPool<StateChange>.Create(MaxLength, BuffersPerSize);
    private readonly ArrayPool<Receipt> _receipts = ArrayPool<Receipt>.Create(MaxLength, BuffersPerSize);

    /// <summary>A buffer of at least <paramref name="count"/> changes.</summary>
    public StateChange[] RentChanges(int count) => _changes.Rent(count);

    /// <summary>A buffer of at least <paramref name="count"/> receipts.</summary>
    public Receipt[] RentReceipts(int count) => _receipts.Rent(count);

    /// <summary>Takes back buffers rented here.</summary>
    public void Return(StateChange[] changes, Receipt[] receipts)
    {
        _changes.Return(changes);
        _receipts.Return(receipts, clearArray: true); // their details are strings: let them go
    }
}
