using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// The only door between a transaction and the state. Reads see the state exactly as sequential
/// execution would at this transaction's position in the block (the engine guarantees it before the
/// result is final).
/// </summary>
public interface ITransactionContext
{
    /// <summary>The header of the block being executed.</summary>
    BlockHeader Block { get; }

    /// <summary>Position of the transaction in its block.</summary>
    int TransactionIndex { get; }

    /// <summary>Reads a location (zero when never written). Creates a read dependency.</summary>
    UInt256 Read(in StateKey key);

    /// <summary>Writes a location.</summary>
    void Write(in StateKey key, in UInt256 value);

    /// <summary>
    /// Adds to a location without reading it, so transactions that only credit the same hot key
    /// (a fee beneficiary, a counter) do not depend on each other. Credits are checked when the
    /// block applies the transaction: if the result would pass 2^256 the transaction fails.
    /// </summary>
    void Add(in StateKey key, in UInt256 amount);

    /// <summary>Gas charged so far.</summary>
    ulong GasUsed { get; }

    /// <summary>The transaction's gas limit.</summary>
    ulong GasLimit { get; }

    /// <summary>Charges gas; past the limit the transaction fails with OutOfGas.</summary>
    void UseGas(ulong amount);
}
