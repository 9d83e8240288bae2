using ParallelExec.Blocks;
using ParallelExec.Metrics;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>Totals of a replay into a state store (<see cref="StoredChainReplayer"/>).</summary>
public sealed record StoredReplayReport
{
    /// <summary>The executor that ran the blocks (sequential or parallel).</summary>
    public required string Executor { get; init; }
    /// <summary>Its workers.</summary>
    public required int Workers { get; init; }
    /// <summary>True when this run wrote the genesis state (the store was empty).</summary>
    public bool Created { get; init; }
    /// <summary>The head when the run started (the genesis record for a new store).</summary>
    public StoredBlock StartHead { get; init; }
    /// <summary>The head when the run ended.</summary>
    public StoredBlock Head { get; init; }
    /// <summary>Blocks of the file already in the store (checked by hash, not executed).</summary>
    public long SkippedBlocks { get; init; }
    /// <summary>Blocks executed and committed by this run.</summary>
    public long Blocks { get; init; }
    /// <summary>Transactions executed.</summary>
    public long Transactions { get; init; }
    /// <summary>Trie nodes written.</summary>
    public long TrieNodes { get; init; }
    /// <summary>Incarnations beyond the first, over all blocks.</summary>
    public long Reexecutions { get; init; }
    /// <summary>Blocks whose root was compared with a recorded root and matched.</summary>
    public long VerifiedBlocks { get; init; }
    /// <summary>Blocks the file has no recorded root for.</summary>
    public long UnrecordedBlocks { get; init; }
    /// <summary>Blocks executed with their access list whose root, hashed from the list beside execution, stood (<see cref="ListRootOutcome.Used"/>).</summary>
    public long ListRoots { get; init; }
    /// <summary>Building the trie: from the genesis (new store) or from the flat state (resume), plus the genesis check.</summary>
    public TimeSpan Open { get; init; }
    /// <summary>Account-trie nodes put in memory by scans of the store before the first block (<see cref="ChainStateOptions.WarmTrie"/>), and the time it took: part of the blocks' elapsed time, before the first block's apply, in no stage sum.</summary>
    public long WarmedNodes { get; init; }
    /// <inheritdoc cref="WarmedNodes"/>
    public TimeSpan Warm { get; init; }
    /// <summary>Bytes of the nodes the scans put in memory (<see cref="ChainState.WarmedBytes"/>).</summary>
    public long WarmedBytes { get; init; }
    /// <summary>Whether only the account trie's branches and extensions were warmed, the whole trie being over the limit (<see cref="ChainState.WarmedInnerNodesOnly"/>).</summary>
    public bool WarmedInnerNodesOnly { get; init; }
    /// <summary>Account records the store kept in memory (<see cref="ChainState.CachedAccounts"/>), the memory they took, the time their scan took (part of the warming before the first block), and the account reads they answered.</summary>
    public long CachedAccounts { get; init; }
    /// <inheritdoc cref="CachedAccounts"/>
    public long AccountCacheBytes { get; init; }
    /// <inheritdoc cref="CachedAccounts"/>
    public TimeSpan AccountCacheWarm { get; init; }
    /// <inheritdoc cref="CachedAccounts"/>
    public long AccountCacheHits { get; init; }
    /// <summary>Account-trie leaves built from the fields a block read instead of read from the store (<see cref="ChainState.BuiltTrieLeaves"/>).</summary>
    public long BuiltTrieLeaves { get; init; }

    /// <summary>Storage-trie leaves built from the slot values a block read instead of read from the store (<see cref="ChainState.BuiltSlotLeaves"/>).</summary>
    public long BuiltSlotLeaves { get; init; }
    /// <summary>Trie nodes read from the store as the blocks walked into nodes not in memory (<see cref="ChainState.TrieLoadedNodes"/>).</summary>
    public long TrieNodeReads { get; init; }

    /// <summary>RLP bytes of those nodes.</summary>
    public long TrieNodeReadBytes { get; init; }

    /// <summary>Times the trie was brought back within its budget after a checkpoint (<see cref="ChainState.Evictions"/>).</summary>
    public long Evictions { get; init; }
    /// <summary>Blocks made checkpoints because the trie's loads took it past its budget (<see cref="ChainState.BudgetCheckpoints"/>).</summary>
    public long BudgetCheckpoints { get; init; }
    /// <summary>Sums of each block's stage times. Pipelined, execution overlaps apply, root and commit.</summary>
    public TimeSpan Execute { get; init; }
    /// <summary>Time spent applying changes to the trie.</summary>
    public TimeSpan Apply { get; init; }
    /// <summary>Time spent computing state roots.</summary>
    public TimeSpan Root { get; init; }
    /// <summary>Time spent committing to the store.</summary>
    public TimeSpan Commit { get; init; }
    /// <summary>Wall-clock time of the whole replay.</summary>
    public TimeSpan Total { get; init; }
    /// <summary>Whether blocks ran through the pipeline (block N+1 executing during N's root and commit).</summary>
    public bool Pipelined { get; init; }
    /// <summary>Pipelined: time spent waiting, after executing a block, for the previous block's root and commit.</summary>
    public TimeSpan Waiting { get; init; }
    /// <summary>Wall time of the blocks: reading, executing, hashing and committing them (not opening).</summary>
    public TimeSpan BlocksElapsed { get; init; }
    /// <summary>CPU time the process used meanwhile (all threads, RocksDB's included): on a shared machine a steadier measure than wall time.</summary>
    public TimeSpan BlocksCpu { get; init; }
    /// <summary>What the garbage collector did meanwhile: collections by generation and the time they paused the process.</summary>
    public CollectorActivity BlocksCollector { get; init; }
    /// <summary>The state root of the genesis state.</summary>
    public Hash256 GenesisRoot { get; init; }
    /// <summary>The state root of the store's head after the replay.</summary>
    public Hash256 FinalRoot => Head.StateRoot;
    /// <summary>The first block whose root differed from the recorded one (not committed; replay stopped), or null.</summary>
    public RootMismatch? Mismatch { get; init; }

    /// <summary>Whether no block's root differed from its recorded root.</summary>
    public bool Success => Mismatch is null;

    /// <summary>Transactions per second of execute + apply + root + commit (summed; pipelined they overlap).</summary>
    public double TotalTps => (Execute + Apply + Root + Commit).TotalSeconds is > 0 and var s ? Transactions / s : 0;

    /// <summary>Transactions per second of wall time (<see cref="BlocksElapsed"/>): the end-to-end rate.</summary>
    public double Tps => BlocksElapsed.TotalSeconds is > 0 and var s ? Transactions / s : 0;

    /// <summary>The same run in the terms of an in-memory replay (opening counts as the genesis stage, committing as applying).</summary>
    public ReplayReport ToReplayReport() => new()
    {
        Executor = Executor, Workers = Workers, Blocks = Blocks, Transactions = Transactions, Reexecutions = Reexecutions,
        VerifiedBlocks = VerifiedBlocks, UnrecordedBlocks = UnrecordedBlocks,
        Execute = Execute, Apply = Apply + Commit, Root = Root, Genesis = Open, Total = Total,
        Pipelined = Pipelined, BlocksElapsed = BlocksElapsed, BlocksCpu = BlocksCpu, BlocksCollector = BlocksCollector,
        GenesisRoot = GenesisRoot, FinalRoot = FinalRoot, Mismatch = Mismatch,
    };
}
