using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Trie;
using ParallelExec.Workloads;

namespace ParallelExec.Storage.Tests;

/// <summary>Workloads, reference roots and temporary database folders for the storage tests.</summary>
internal static class StorageTestSupport
{
    /// <summary>A seeded workload with account fields and storage slots (token and pool kinds write slots).</summary>
    public static Workload Workload(int blocks = 12, int txs = 60, ulong seed = 11, WorkloadKind kind = WorkloadKind.Mixed, int accounts = 80) =>
        WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = kind, Accounts = accounts, TransactionsPerBlock = txs, Blocks = blocks, Seed = seed, Pools = 2,
        });

    /// <summary>The state root after each block, computed in memory without any store (index 0: genesis).</summary>
    public static Hash256[] ReferenceRoots(Workload workload)
    {
        var state = workload.Genesis.Clone();
        var trie = StateTrie.FromState(state.Entries);
        var roots = new Hash256[workload.Blocks.Length + 1];
        roots[0] = trie.ComputeRoot();
        var executor = new SequentialExecutor();
        for (int i = 0; i < workload.Blocks.Length; i++)
        {
            var result = executor.Execute(workload.Blocks[i], state);
            state.Apply(result.Changes);
            trie.Apply(result.Changes);
            roots[i + 1] = trie.ComputeRoot();
        }
        return roots;
    }

    public static Hash256 HashOf(Block block) => BlockHash.Compute(new ChainBlock(block));

    /// <summary>Executes blocks [from, to) of the workload on the chain state; returns the roots.</summary>
    public static List<Hash256> Run(ChainState chain, Workload workload, int from, int to, IBlockExecutor? executor = null)
    {
        executor ??= new SequentialExecutor();
        var roots = new List<Hash256>();
        for (int i = from; i < to; i++)
        {
            var block = workload.Blocks[i];
            var committed = chain.Execute(block, HashOf(block), executor);
            Assert.True(committed.Committed);
            roots.Add(committed.Block.StateRoot);
        }
        return roots;
    }

    /// <summary>
    /// Trie nodes at every block unless <paramref name="options"/> say otherwise: these tests check the
    /// head's whole trie in the store, which only a checkpoint guarantees (TrieNodeIntervalTests test other intervals).
    /// </summary>
    public static ChainState Create(IStateStore store, Workload workload, ChainStateOptions? options = null) =>
        ChainState.Create(store, workload.Genesis.Entries, 0, options ?? EveryBlock);

    /// <summary>Two hashing threads, trie nodes written at every block.</summary>
    public static ChainStateOptions EveryBlock { get; } = new() { RootParallelism = 2, TrieNodeInterval = 1 };

    /// <summary>
    /// The store holds the head's trie, exactly: every node of the trie rebuilt from its flat state at
    /// its place, byte for byte, and (when the store can count them) no other node.
    /// </summary>
    public static void AssertHeadTrieStored(IStateStore store, string at = "")
    {
        var trie = StateTrie.FromState(store.Entries());
        Assert.True(store.Head.StateRoot == trie.ComputeRoot(), $"{at}: the flat state at block {store.Head.Number} does not hash to its recorded root");
        Assert.True(store.TrieNodesAt == store.Head, $"{at}: the stored trie is {store.TrieNodesAt?.ToString() ?? "none"}, not the head's {store.Head}");
        long count = 0;
        foreach (var node in trie.ExportAllNodes())
        {
            Assert.True(store.TryGetTrieNode(node.Owner.Span, node.Path.Span, out var rlp) && node.Rlp.Span.SequenceEqual(rlp),
                $"{at}: the node of block {store.Head.Number}'s trie at {Convert.ToHexString(node.Owner.Span)}/{Convert.ToHexString(node.Path.Span)} is not stored");
            count++;
        }
        Assert.True(count > 0);
        long stored = store switch
        {
            RocksDbStateStore rocks => rocks.CountTrieNodes(),
            InMemoryStateStore memory => memory.TrieNodeCount,
            _ => count,
        };
        Assert.True(stored == count, $"{at}: the store holds {stored} trie nodes, the head's trie {count} (garbage left behind)");
    }

    /// <summary>A small, unsynced RocksDB store; with <paramref name="checkpointFiles"/>, every checkpoint's nodes are ingested as a table file, however few.</summary>
    public static RocksDbStateStore OpenRocks(string path, int retention = 8, bool create = true, bool checkpointFiles = false) =>
        RocksDbStateStore.Open(path, new RocksDbStoreOptions
        {
            CreateIfMissing = create, JournalRetention = retention, SyncCommits = false, BlockCacheBytes = 8 << 20,
            CheckpointFileMinimumBytes = checkpointFiles ? 0 : RocksDbStoreOptions.Default.CheckpointFileMinimumBytes,
        });
}

/// <summary>A temporary folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pxstore-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Raw access to the column families of a closed state database, for tests that damage or age one.</summary>
internal sealed class RawDatabase : IDisposable
{
    private static readonly string[] Families = ["state", "trie", "blocks", "journal", "meta"];

    private RawDatabase(RocksDbSharp.RocksDb db) => Db = db;

    public RocksDbSharp.RocksDb Db { get; }

    /// <summary>Opens the database with the families this format has (and <paramref name="extra"/> ones).</summary>
    public static RawDatabase Open(string path, params string[] extra)
    {
        var families = new RocksDbSharp.ColumnFamilies();
        foreach (var name in Families.Concat(extra)) families.Add(name, new RocksDbSharp.ColumnFamilyOptions());
        return new RawDatabase(RocksDbSharp.RocksDb.Open(new RocksDbSharp.DbOptions(), path, families));
    }

    public RocksDbSharp.ColumnFamilyHandle Family(string name) => Db.GetColumnFamily(name);

    /// <summary>Sets the format record's version.</summary>
    public void SetFormat(byte version)
    {
        var format = Db.Get("format"u8.ToArray(), Family("meta"));
        format[4] = version;
        Db.Put("format"u8.ToArray(), format, Family("meta"));
    }

    /// <summary>
    /// Rewrites the flat state as formats 1 and 2 kept it: each account field under a key of its own
    /// (address and kind: nonce 0, balance 1, code hash 2 → 32-byte big-endian value) instead of the
    /// account's record (presence byte, bit per field in that order, then each present field as a length
    /// byte and its big-endian bytes). With <paramref name="every"/> above 1 only every so many accounts
    /// are split (a migration to records interrupted midway). Returns the number of fields written.
    /// </summary>
    public int SplitAccountRecords(int every = 1)
    {
        var records = new List<(byte[] Key, byte[] Value)>();
        using (var it = Db.NewIterator(Family("state")))
        {
            int seen = 0;
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                if (it.Key().Length == 20 && seen++ % every == 0) records.Add((it.Key(), it.Value()));
            }
        }
        int fields = 0;
        foreach (var (key, value) in records)
        {
            int o = 1;
            for (byte kind = 0; kind < 3; kind++)
            {
                if ((value[0] & (1 << kind)) == 0) continue;
                int length = value[o++];
                var word = new byte[32];
                Array.Copy(value, o, word, 32 - length, length);
                o += length;
                Db.Put(key.Append(kind).ToArray(), word, Family("state"));
                fields++;
            }
            Assert.Equal(value.Length, o);
            Db.Remove(key, Family("state"));
        }
        return fields;
    }

    public void Dispose() => Db.Dispose();
}
