namespace ParallelExec.Storage;

/// <summary>How a <see cref="ChainState"/> hashes and what it persists.</summary>
public sealed record ChainStateOptions
{
    /// <summary>Threads for hashing the state trie (rebuild on open and each block's root).</summary>
    public int RootParallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Write trie nodes to the store (the genesis trie, then every <see cref="TrieNodeInterval"/>th block's).</summary>
    public bool PersistTrieNodes { get; init; } = true;

    /// <summary>
    /// With <see cref="PersistTrieNodes"/>: a block whose number is a multiple of this is a checkpoint,
    /// whose commit writes every node of its tries the store lacks, so its whole trie can be walked
    /// from the store; the blocks between write no nodes (the nodes they replace before the next
    /// checkpoint are never written). 1: every block, each block's trie complete in the store.
    /// </summary>
    public int TrieNodeInterval { get; init; } = DefaultTrieNodeInterval;

    /// <summary>
    /// With <see cref="PersistTrieNodes"/>: the most RLP bytes a checkpoint should write. A checkpoint's
    /// nodes are held three times while it commits (the exported set, the write batch and RocksDB's
    /// memtable), and over a larger state the same interval exports more: when a checkpoint writes
    /// more than this, the checkpoints that follow come twice as often (down to every block); when
    /// one writes under a quarter of it, half as often again (up to <see cref="TrieNodeInterval"/>).
    /// 0: no bound, every <see cref="TrieNodeInterval"/>th block.
    /// </summary>
    public long CheckpointBytes { get; init; } = DefaultCheckpointBytes;

    /// <summary>The default <see cref="CheckpointBytes"/>: 96 MiB.</summary>
    public const long DefaultCheckpointBytes = 96L << 20;

    /// <summary>The default <see cref="TrieNodeInterval"/>: 16 (a checkpoint every 8 blocks replayed 1 M accounts 4–13 % slower; docs/performance.md).</summary>
    public const int DefaultTrieNodeInterval = 16;

    /// <summary>
    /// Memory for the trie's clean nodes and accounts, in bytes, counted as what they cost the process:
    /// an estimate from object sizes times the garbage collector's headroom over live objects
    /// (measured: 1.5 under the workstation collector, 2.0 under the server one). Past it, after a
    /// checkpoint's nodes are durable, what is in the store is dropped from memory, the least
    /// recently written first, and loaded again when a block needs it; an
    /// eviction that drops 128 MiB or more is followed by a full blocking collection, so that the
    /// blocks after it do not grow the heap on top of what it dropped. 0: no budget (the trie grows to
    /// the state's size). Needs <see cref="PersistTrieNodes"/>.
    /// </summary>
    public long TrieCacheBytes { get; init; } = DefaultTrieCacheBytes;

    /// <summary>The default <see cref="TrieCacheBytes"/>: 1 GiB.</summary>
    public const long DefaultTrieCacheBytes = 1L << 30;

    /// <summary>
    /// Before the first block, read the stored account trie in sequential scans of the node store
    /// and put it in memory, when it takes at most a quarter of <see cref="TrieCacheBytes"/> (the
    /// default budget when that is 0); of a larger trie, its branches and extensions when they fit in
    /// half the budget decoded (its leaves are left to the blocks, which mostly build them from their
    /// reads). A block's trie update otherwise loads each cold node with a point read, and nearly
    /// every branch is loaded sooner or later: the scan is far cheaper per node.
    /// </summary>
    public bool WarmTrie { get; init; } = true;

    /// <summary>
    /// Before the first block, have the store keep every account record of the flat state in memory
    /// when they all fit in an eighth of <see cref="TrieCacheBytes"/> (the default budget when that is
    /// 0), beside the trie's budget, which the trie keeps whole: a block's account reads are then
    /// answered from memory instead of RocksDB (<see cref="IStateStore.WarmAccountCache"/>).
    /// </summary>
    public bool CacheAccounts { get; init; } = true;

    /// <summary>The defaults.</summary>
    public static ChainStateOptions Default { get; } = new();
}
