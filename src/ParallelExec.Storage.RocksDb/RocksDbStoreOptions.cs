namespace ParallelExec.Storage.RocksDb;

/// <summary>How a <see cref="RocksDbStateStore"/> is opened and tuned.</summary>
public sealed record RocksDbStoreOptions
{
    /// <summary>Create the database when the directory holds none (otherwise a missing database is an error).</summary>
    public bool CreateIfMissing { get; init; }

    /// <summary>Blocks that keep an undo journal (0: no reverts). Older journals are pruned by each commit.</summary>
    public int JournalRetention { get; init; } = 128;

    /// <summary>Block cache shared by the column families, in bytes.</summary>
    public long BlockCacheBytes { get; init; } = 256L << 20;

    /// <summary>Bloom filter bits per key on the flat-state and trie-node tables.</summary>
    public int BloomBitsPerKey { get; init; } = 10;

    /// <summary>
    /// fsync the write-ahead log on every commit (survives power loss). Off, a commit survives a
    /// process crash (the log is in the OS cache) but the last commits may be lost on power loss.
    /// </summary>
    public bool SyncCommits { get; init; } = true;

    /// <summary>Memtable size per column family, in bytes.</summary>
    public long WriteBufferBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Open a database of an older format by migrating it to this build's, keeping the chain: format 1
    /// (trie nodes kept by hash) has its node family dropped, and the next <see cref="ChainState.Open"/>
    /// rebuilds the trie from the flat state and writes its nodes; format 2 (a flat-state key per
    /// account field) has each account's fields joined into one record. Off, such a database is
    /// refused with a one-line message that says so. An older build cannot open a migrated database.
    /// </summary>
    public bool MigrateOlderFormats { get; init; }

    /// <summary>
    /// Run RocksDB's compactions at the lowest CPU priority (nice 19), so that they use the time the
    /// blocks leave idle (10 M accounts, blocks of 10,000 transfers: ~14 % more tx/s, median of six
    /// alternated pairs). For the whole process, once set by any store: RocksDB's compaction threads
    /// are shared. Flushes are not lowered.
    /// </summary>
    public bool LowPriorityCompactions { get; init; } = true;

    /// <summary>
    /// A checkpoint whose trie nodes hold at least this many bytes writes them as a table file that the
    /// trie family ingests, not through the block's write batch (see <see cref="RocksDbStateStore"/>'s
    /// checkpoint file); smaller ones go in the batch. For tests, which make small checkpoints.
    /// </summary>
    internal long CheckpointFileMinimumBytes { get; init; } = 4L << 20;

    /// <summary>The defaults: open an existing database, 128 revertible blocks, synced commits.</summary>
    public static RocksDbStoreOptions Default { get; } = new();
}
