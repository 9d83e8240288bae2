namespace ParallelExec.Blocks;

/// <summary>How <see cref="ChainReplayer"/> executes a chain file.</summary>
public sealed record ReplayOptions
{
    /// <summary>Workers of the parallel executor (ignored when <see cref="Sequential"/>).</summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Use the sequential reference executor.</summary>
    public bool Sequential { get; init; }

    /// <summary>Compare each block's state root with the recorded one; stop at the first mismatch.</summary>
    public bool Verify { get; init; }

    /// <summary>Record the observed dependency graph of each block.</summary>
    public bool RecordDependencies { get; init; }

    /// <summary>Record each block's EIP-7928 access list (<see cref="Execution.BlockResult.AccessList"/>).</summary>
    public bool RecordAccessList { get; init; }

    /// <summary>
    /// Execute each block with its recorded EIP-7928 access list (strict: a list the block does not
    /// follow fails it), the state root hashed from the list while the block executes
    /// (<see cref="Storage.ChainPipeline.RootFromAccessList"/>). Every block must carry one.
    /// </summary>
    public bool UseAccessLists { get; init; }

    /// <summary>Use each block's recorded dependency graph as scheduling hints (never trusted: results stay exact).</summary>
    public bool UseRecordedDependencies { get; init; } = true;

    /// <summary>
    /// Execute block N+1 while block N's state root is computed (and, into a state store, while N-1 is
    /// committed; <see cref="Storage.ChainPipeline"/>): same results. False: one block at a time.
    /// </summary>
    public bool Pipeline { get; init; } = true;

    /// <summary>
    /// The last block to replay (null: every block of the file). The blocks after it are not read; a
    /// database replayed that far resumes after it later, and its head state is what a witness of the
    /// next block is made from (<see cref="Storage.StoredChainWitness"/>).
    /// </summary>
    public long? LastBlock { get; init; }

    /// <summary>
    /// Into a state store: build every block's execution witness as it is replayed, from the trie before
    /// the block's changes (<see cref="Storage.CommittedBlock.Witness"/>; <see cref="Storage.ChainState.BuildWitnesses"/>):
    /// one pass for a prover, in the memory the store's replay takes. With <see cref="UseAccessLists"/> the
    /// roots are then computed after each block's execution, not from its list beside it.
    /// </summary>
    public bool Witnesses { get; init; }

    /// <summary>Threads for hashing the state trie.</summary>
    public int RootParallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);
}
