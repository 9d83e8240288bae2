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

    private static IEnumerable<PipelineBlock> Blocks(Workload workload, int from, int to)
    {
        for (int i = from; i < to; i++) yield return new PipelineBlock(workload.Blocks[i], HashOf(workload.Blocks[i]));
    }
}
