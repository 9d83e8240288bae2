using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// Checkpoints that write more than <see cref="ChainStateOptions.CheckpointBytes"/> make the next ones
/// come sooner: with a bound every checkpoint exceeds, an interval of 8 becomes 4, 2, then every block.
/// Each checkpoint stores its block's whole trie exactly, the blocks between write nothing, the roots
/// are the reference's, and a reopen between checkpoints reaches the head from the stored trie.
/// </summary>
public class CheckpointBytesTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Checkpoints_over_the_bound_come_sooner_and_each_stores_its_whole_trie(bool rocks)
    {
        const int blocks = 16;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {(rocks ? "RocksDB" : "in memory")}";
        var workload = Workload(blocks: blocks, txs: 60, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 150);
        var expected = ReferenceRoots(workload);
        var options = new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 8, CheckpointBytes = 1 };
        using var dir = new TempDir();
        IStateStore store = rocks ? OpenRocks(dir.Sub("db"), retention: 16) : new InMemoryStateStore(16);
        try
        {
            var chain = Create(store, workload, options);
            var checkpoints = new List<long>();
            for (int i = 0; i < 13; i++)
            {
                var block = workload.Blocks[i];
                var committed = chain.Execute(block, HashOf(block), new Execution.SequentialExecutor());
                long n = committed.Block.Number;
                Assert.True(expected[n] == committed.Block.StateRoot, $"{at}: root of block {n}");
                if (committed.TrieNodes == 0) continue;
                Assert.True(committed.TrieBytes > 0, $"{at}: checkpoint {n} reports no bytes");
                checkpoints.Add(n);
                AssertHeadTrieStored(store, $"{at}, checkpoint {n}");
            }
            Assert.Equal([8L, 12L], checkpoints);
            Assert.Equal(2, chain.CheckpointInterval);

            if (rocks)
            {
                // Block 13 is past the checkpoint of 12: the reopen reaches it through 13's journal.
                store.Dispose();
                store = OpenRocks(dir.Sub("db"), retention: 16, create: false);
                chain = ChainState.Open(store, options);
                Assert.False(chain.OpenRebuiltTrie, $"{at}: the reopen rebuilt the trie");
                Assert.Equal(8, chain.CheckpointInterval); // a new chain state starts from the configured interval
            }
            Assert.True(expected[14..].SequenceEqual(Run(chain, workload, 13, blocks)), $"{at}: roots after block 13 differ");
            AssertHeadTrieStored(store, $"{at}, block {blocks}");
        }
        finally
        {
            store.Dispose();
        }
    }
}
