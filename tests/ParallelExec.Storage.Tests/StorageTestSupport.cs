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

    public static RocksDbStateStore OpenRocks(string path, int retention = 8, bool create = true) =>
        RocksDbStateStore.Open(path, new RocksDbStoreOptions { CreateIfMissing = create, JournalRetention = retention, SyncCommits = false, BlockCacheBytes = 8 << 20 });
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
