using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// The pipeline roots a block while the checkpoint before it is still being committed. An eviction
/// due after that checkpoint measures the trie at once but drops nothing until the checkpoint's
/// commit has landed (what it drops must be in the store): the block's root waits for it, then goes
/// on over what was dropped, loading it back from the store. Driven here step by step, the commit on
/// this thread and the root on another, with a budget that drops everything persisted.
/// </summary>
public class EvictionDuringCommitTests
{
    [Theory]
    [InlineData(true, WorkloadKind.Mixed)]
    [InlineData(false, WorkloadKind.Mixed)]
    [InlineData(true, WorkloadKind.Token)]
    public async Task An_eviction_drops_nothing_before_the_checkpoint_commit_in_flight_lands(bool rocks, WorkloadKind kind)
    {
        const int blocks = 8;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {kind}, {(rocks ? "RocksDB" : "in memory")}";
        var workload = Workload(blocks: blocks, txs: 80, seed: (ulong)seed, kind: kind, accounts: 200);
        var expected = ReferenceRoots(workload);
        var options = new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 2, CheckpointBytes = 0, TrieCacheBytes = 1, WarmTrie = false };
        using var dir = new TempDir();
        IStateStore store = rocks ? OpenRocks(dir.Sub("db"), retention: 8) : new InMemoryStateStore(8);
        try
        {
            Create(store, workload, options);
            var chain = ChainState.Open(store, options); // its trie loads from the store
            var executor = new SequentialExecutor();
            RootedBlock Root(int number, IStateReader state)
            {
                var block = workload.Blocks[number - 1];
                var rooted = chain.Root(chain.ExecuteOver(state, block, executor, null), HashOf(block), accept: null);
                Assert.True(expected[number] == rooted.Stored.StateRoot, $"{at}: root of block {number}");
                return rooted;
            }
            Assert.True(chain.Commit(Root(1, store)).Committed);
            for (int n = 2; n < blocks; n += 2)
            {
                // Checkpoint n (the interval is 2), then n + 1 over n's changes while n's commit is held back.
                var checkpoint = Root(n, store);
                Assert.True(checkpoint.Nodes is { Count: > 0 }, $"{at}: block {n} wrote no trie nodes");
                long evictions = chain.Evictions, loaded = chain.TrieLoadedNodes;
                var overlay = new OverlayStateReader(store, checkpoint.Executed.Result.ChangeSpan);
                var next = Task.Run(() => Root(n + 1, overlay));
                await Task.WhenAny(next, Task.Delay(300));
                Assert.False(next.IsCompleted, $"{at}: block {n + 1} was rooted before checkpoint {n}'s commit landed, under a budget that evicts everything");
                Assert.True(chain.Commit(checkpoint).Committed);
                var rootedNext = await next; // its root checked against the reference's
                Assert.True(chain.Evictions == evictions + 1, $"{at}: block {n + 1} did not evict once checkpoint {n} had landed");
                Assert.True(chain.TrieLoadedNodes > loaded, $"{at}: block {n + 1} loaded nothing back after the eviction");
                Assert.True(chain.Commit(rootedNext).Committed);
            }
            Assert.True(chain.Commit(Root(blocks, store)).Committed); // a checkpoint: the stored trie is the head's
            AssertHeadTrieStored(store, $"{at}, block {blocks}");
        }
        finally
        {
            store.Dispose();
        }
    }
}
