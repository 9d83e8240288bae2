using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A trie that loads from the store past its budget between two checkpoints of the interval makes the
/// block that took it past a checkpoint, so what the blocks loaded can be dropped then instead of at
/// the interval's checkpoint: the trie stays near its budget where, with the interval alone, it grows
/// by everything the blocks before the interval's checkpoint load. Each such checkpoint stores its
/// block's whole trie, the roots are the reference's, and a reopen after one reaches the head from
/// the stored trie.
/// </summary>
public class BudgetCheckpointTests
{
    private const int Blocks = 12, Budget = 3 << 20;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Loads_past_the_budget_make_a_checkpoint_and_the_trie_stays_near_its_budget(bool rocks)
    {
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {(rocks ? "RocksDB" : "in memory")}";
        // Enough accounts that each block loads megabytes of cold paths from the store.
        var workload = Workload(blocks: Blocks, txs: 1500, seed: (ulong)seed, kind: WorkloadKind.P2p, accounts: 30_000);
        var expected = ReferenceRoots(workload);
        var (budgeted, checkpoints, peak) = RunOpened(workload, expected, rocks, Budget, at);
        var (unbounded, _, unboundedPeak) = RunOpened(workload, expected, rocks, 0, $"{at}, no budget");

        Assert.True(budgeted.BudgetCheckpoints > 0, $"{at}: no block was made a checkpoint for the budget");
        Assert.Equal(budgeted.BudgetCheckpoints, checkpoints.Count); // the interval (16) has none in 12 blocks
        Assert.True(budgeted.Evictions >= checkpoints.Count - 1, $"{at}: {budgeted.Evictions} evictions after {checkpoints.Count} checkpoints");
        Assert.Equal(0, unbounded.BudgetCheckpoints);
        // Cold accounts' leaves were built from what the blocks read, and the budget counted them.
        Assert.True(budgeted.BuiltTrieLeaves > 0 && unbounded.BuiltTrieLeaves > 0, $"{at}: no leaf built from the blocks' reads");
        // Within the budget plus what a block loads before its checkpoint; the interval alone keeps it all.
        Assert.True(peak < 2 * Budget, $"{at}: the trie reached {peak:N0} bytes on a budget of {Budget:N0}");
        Assert.True(unboundedPeak > 2 * peak, $"{at}: without a budget the trie peaked at {unboundedPeak:N0} bytes, with one at {peak:N0}");
    }

    // Creates the chain (its genesis trie whole in memory), opens it again so that its trie loads from
    // the store, and runs every block; returns the chain, the checkpoints and the trie's largest estimate.
    private static (ChainState Chain, List<long> Checkpoints, long Peak) RunOpened(Workload workload, Hash256[] expected, bool rocks, long budget, string at)
    {
        var options = new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 16, CheckpointBytes = 0, TrieCacheBytes = budget, WarmTrie = false };
        using var dir = new TempDir();
        IStateStore store = rocks ? OpenRocks(dir.Sub("db"), retention: 16) : new InMemoryStateStore(16);
        try
        {
            Create(store, workload, options);
            var chain = ChainState.Open(store, options);
            var checkpoints = new List<long>();
            long peak = 0;
            for (int i = 0; i < Blocks; i++)
            {
                var block = workload.Blocks[i];
                var committed = chain.Execute(block, HashOf(block), new SequentialExecutor());
                long n = committed.Block.Number;
                Assert.True(expected[n] == committed.Block.StateRoot, $"{at}: root of block {n}");
                peak = Math.Max(peak, chain.TrieResidentBytes);
                if (committed.TrieNodes == 0) continue;
                checkpoints.Add(n);
                AssertHeadTrieStored(store, $"{at}, checkpoint {n}");
            }
            if (rocks && checkpoints.Count > 0)
            {
                // The head is at or past the last checkpoint: the reopen starts from its stored trie.
                store.Dispose();
                store = OpenRocks(dir.Sub("db"), retention: 16, create: false);
                var reopened = ChainState.Open(store, options);
                Assert.False(reopened.OpenRebuiltTrie, $"{at}: the reopen rebuilt the trie");
                Assert.Equal(expected[Blocks], reopened.Head.StateRoot);
            }
            return (chain, checkpoints, peak);
        }
        finally
        {
            store.Dispose();
        }
    }
}
