using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// A block executed but not yet applied to the trie or committed: its result, the value (or absence)
/// of every key it read as it saw them (for the undo journal; null when the store keeps none), and how
/// long the execution took.
/// </summary>
internal sealed record ExecutedBlock(
    Block Block, BlockResult Result, IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? PreviousValues, TimeSpan ExecuteTime)
{
    /// <summary>The reader that recorded the block's reads (<see cref="PreviousValues"/> are its), given back to its pool once the block is committed.</summary>
    public RecordingStateReader? Reader { get; init; }
}
