using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A chain whose trie is kept within a tiny memory budget (everything past the top levels dropped
/// after each checkpoint and loaded again from the store) reaches the same roots as one that keeps
/// it all, pipelined, across a reopen and a revert, and its stored trie stays exact.
/// </summary>
public class TrieMemoryBudgetTests
{
    public static TheoryData<bool, WorkloadKind> Cases => new()
    {
        { false, WorkloadKind.Mixed }, { true, WorkloadKind.Mixed }, { true, WorkloadKind.Token }, { false, WorkloadKind.Amm },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_tiny_budget_gives_the_roots_of_no_budget_pipelined_reopened_and_reverted(bool rocks, WorkloadKind kind)
    {
        const int blocks = 16;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {kind}, {(rocks ? "RocksDB" : "in memory")}";
        var workload = Workload(blocks: blocks, txs: 80, seed: (ulong)seed, kind: kind, accounts: 120);
        var expected = ReferenceRoots(workload);
        var options = new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 2, TrieCacheBytes = 1 };
        using var dir = new TempDir();
        IStateStore store = rocks ? OpenRocks(dir.Sub("db"), retention: 8) : new InMemoryStateStore(8);
        try
        {
            var chain = Create(store, workload, options);
            using var parallel = new ParallelExecutor(4, oversubscribe: true);
            var roots = new List<Hash256>();
            Assert.Null(new ChainPipeline(chain, parallel).Run(Blocks(workload, 0, 10), c => roots.Add(c.Block.StateRoot)));
            Assert.True(expected[1..11].SequenceEqual(roots), $"{at}: pipelined roots under a tiny budget differ from the reference");
            Assert.True(chain.Evictions > 0, $"{at}: the trie was never brought back within its budget");
            // The genesis trie was built whole in memory: any node read from the store was dropped first.
            Assert.True(chain.TrieLoadedNodes > 0, $"{at}: nothing was dropped and read again");
            AssertHeadTrieStored(store, $"{at}, block 10");

            if (rocks)
            {
                // Reopen between checkpoints: the stored trie of block 10 plus nothing, then on.
                store.Dispose();
                store = OpenRocks(dir.Sub("db"), retention: 8, create: false);
                chain = ChainState.Open(store, options);
                Assert.False(chain.OpenRebuiltTrie, $"{at}: the reopen rebuilt the trie instead of opening the stored one");
            }
            roots.Clear();
            Assert.Null(new ChainPipeline(chain, parallel).Run(Blocks(workload, 10, blocks), c => roots.Add(c.Block.StateRoot)));
            Assert.True(expected[11..].SequenceEqual(roots), $"{at}: roots after block 10 differ");

            Assert.Equal(expected[blocks - 3], chain.Revert(3).StateRoot);
            AssertHeadTrieStored(store, $"{at}, reverted to block {blocks - 3}");
            roots.Clear();
            Assert.Null(new ChainPipeline(chain, parallel).Run(Blocks(workload, blocks - 3, blocks), c => roots.Add(c.Block.StateRoot)));
            Assert.True(expected[(blocks - 2)..].SequenceEqual(roots), $"{at}: roots replayed after the revert differ");
        }
        finally
        {
            store.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_trie_nodes_read_from_the_store_are_counted_exactly_across_a_reopen_after_a_failed_commit(bool rocks)
    {
        const int blocks = 12, failing = 7;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {(rocks ? "RocksDB" : "in memory")}";
        var workload = Workload(blocks: blocks, txs: 80, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 120);
        var expected = ReferenceRoots(workload);
        var options = new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 2, TrieCacheBytes = 1 };
        using var dir = new TempDir();
        var store = new FaultyStore(rocks ? OpenRocks(dir.Sub("db"), retention: 8) : new InMemoryStateStore(8));
        try
        {
            var chain = Create(store, workload, options);
            using var parallel = new ParallelExecutor(2);
            // The genesis trie is built in memory: every node read is one the tiny budget dropped.
            Assert.Null(new ChainPipeline(chain, parallel).Run(Blocks(workload, 0, failing - 1), _ => { }));
            long before = chain.TrieLoadedNodes, bytesBefore = chain.TrieLoadedBytes;
            Assert.True(before > 0 && before == store.TrieNodeReads && chain.TrieLoadedBytes == store.TrieNodeReadBytes,
                $"{at}: the chain counted {before} nodes ({chain.TrieLoadedBytes} bytes) read, the store served {store.TrieNodeReads} ({store.TrieNodeReadBytes} bytes)");

            store.BeforeCommit = b =>
            {
                if (b.Number == failing) throw new StateStoreException(StateStoreError.IoError, "injected commit failure");
            };
            Assert.Throws<StateStoreException>(() => new ChainPipeline(chain, parallel).Run(Blocks(workload, failing - 1, blocks), _ => { }));
            store.BeforeCommit = null;
            long readsAtFailure = store.TrieNodeReads;
            var roots = new List<Hash256>();
            Assert.Null(new ChainPipeline(chain, parallel).Run(Blocks(workload, failing - 1, blocks), c => roots.Add(c.Block.StateRoot)));
            Assert.True(expected[failing..].SequenceEqual(roots), $"{at}: roots after the failed commit differ");
            // The trie was opened again from the store, which reads its root node once to check it
            // (not a walk's read); the count went on from what the first trie read.
            Assert.True(store.TrieNodeReads > readsAtFailure, $"{at}: the reopened trie read nothing");
            Assert.True(chain.TrieLoadedNodes == store.TrieNodeReads - 1 && chain.TrieLoadedNodes > before,
                $"{at}: the chain counted {chain.TrieLoadedNodes} nodes read, the store served {store.TrieNodeReads} (one of them the reopen's root check)");
            Assert.True(chain.TrieLoadedBytes > bytesBefore && chain.TrieLoadedBytes < store.TrieNodeReadBytes,
                $"{at}: the chain counted {chain.TrieLoadedBytes} bytes read (before the failure {bytesBefore}), the store served {store.TrieNodeReadBytes}");
        }
        finally
        {
            store.Dispose();
        }
    }

    private static IEnumerable<PipelineBlock> Blocks(Workload workload, int from, int to)
    {
        for (int i = from; i < to; i++) yield return new PipelineBlock(workload.Blocks[i], HashOf(workload.Blocks[i]));
    }
}
