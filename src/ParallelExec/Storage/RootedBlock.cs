using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// A block applied to the trie, with its root (in <see cref="Stored"/>) and its new trie nodes, not
/// committed yet. <see cref="Accepted"/> is false when the caller's check rejected the root: it is
/// never committed.
/// </summary>
internal sealed record RootedBlock(ExecutedBlock Executed, StoredBlock Stored, TrieNodeSet? Nodes, bool Accepted, TimeSpan ApplyTime, TimeSpan RootTime)
{
    /// <summary>Whether the root was computed from the block's access list beside its execution.</summary>
    public ListRootOutcome ListRoot { get; init; }

    /// <summary>The block's execution witness, built from the trie before its changes (<see cref="ChainState.BuildWitnesses"/>).</summary>
    public Stateless.ExecutionWitness? Witness { get; init; }

    /// <summary>The outcome reported for a rejected block: not committed, nothing written.</summary>
    public CommittedBlock Rejected() =>
        new(Stored, Executed.Result, false, 0, Executed.ExecuteTime, ApplyTime, RootTime, TimeSpan.Zero) { ListRoot = ListRoot, Witness = Witness };
}
