using ParallelExec.Execution;

namespace ParallelExec.Storage;

/// <summary>
/// A block a <see cref="ChainState"/> executed: its record (number, state root, hash), the execution
/// result, whether it was committed (false when the caller's check rejected the root), the number of
/// trie nodes written, and the time of each stage.
/// </summary>
public sealed record CommittedBlock(
    StoredBlock Block, BlockResult Result, bool Committed, int TrieNodes,
    TimeSpan Execute, TimeSpan Apply, TimeSpan Root, TimeSpan Commit)
{
    /// <summary>
    /// Whether the root was computed from the block's access list while it executed, and whether that
    /// stood. <see cref="Apply"/> and <see cref="Root"/> then include the part done beside execution.
    /// </summary>
    public ListRootOutcome ListRoot { get; init; }

    /// <summary>RLP bytes of the trie nodes written (a checkpoint's; see <see cref="ChainStateOptions.CheckpointBytes"/>).</summary>
    public long TrieBytes { get; init; }

    /// <summary>The block's execution witness, when the chain builds them (<see cref="ChainState.BuildWitnesses"/>); else null.</summary>
    public Stateless.ExecutionWitness? Witness { get; init; }

    /// <summary>The time of all stages together.</summary>
    public TimeSpan Total => Execute + Apply + Root + Commit;
}
