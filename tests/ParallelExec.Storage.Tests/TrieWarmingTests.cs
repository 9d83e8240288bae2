using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A chain reopened over a stored trie warms its account trie from one scan of the store before its
/// first block (<see cref="ChainStateOptions.WarmTrie"/>): the scan visits exactly the account trie's
/// nodes in key order, every one is put in memory, and the blocks after reach the reference roots;
/// a trie larger than a quarter of the budget, or warming turned off, is left to load as blocks touch
/// it, with the same roots.
/// </summary>
public class TrieWarmingTests
{
    [Theory]
    [InlineData(true, WorkloadKind.Mixed)]
    [InlineData(true, WorkloadKind.Token)]
    [InlineData(false, WorkloadKind.Mixed)]
    public void A_reopened_chain_warms_its_account_trie_from_one_scan_and_keeps_the_reference_roots(bool rocks, WorkloadKind kind)
    {
        const int blocks = 12, reopenAt = 8;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {kind}, {(rocks ? "RocksDB" : "in memory")}";
        var workload = Workload(blocks: blocks, txs: 80, seed: (ulong)seed, kind: kind, accounts: 200);
        var expected = ReferenceRoots(workload);
        var options = new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 4 };
        using var dir = new TempDir();
        IStateStore store = rocks ? OpenRocks(dir.Sub("db")) : new InMemoryStateStore(8);
        try
        {
            Assert.True(expected[1..(reopenAt + 1)].SequenceEqual(Run(Create(store, workload, options), workload, 0, reopenAt)), $"{at}: roots before the reopen differ");

            // What a scan of the store holds: the account trie's nodes (tag 0) only, each once, in key order.
            var keys = new List<byte[]>();
            long scannedBytes = 0;
            Assert.True(store.ScanAccountTrie((key, rlp) =>
            {
                scannedBytes += key.Length + rlp.Length;
                Assert.True(key[0] == 0 && rlp.Length > 0, $"{at}: the scan visited {Convert.ToHexString(key)}, not an account-trie node");
                keys.Add(key.ToArray());
                return true;
            }));
            Assert.True(keys.Count > 16, $"{at}: the scan visited only {keys.Count} nodes");
            for (int i = 1; i < keys.Count; i++)
                Assert.True(keys[i - 1].AsSpan().SequenceCompareTo(keys[i]) < 0, $"{at}: the scan is not in ascending key order at {i}");
            Assert.True(store.EstimateAccountTrieBytes() > 0, $"{at}: the store does not estimate its account trie's size");

            foreach (var (warm, budget, warmed) in new[] { (true, ChainStateOptions.DefaultTrieCacheBytes, true), (false, ChainStateOptions.DefaultTrieCacheBytes, false), (true, 64L, false) })
            {
                // Every run starts from block 8's committed state: RocksDB is reopened, the other replays the same blocks.
                var chain = ChainState.Open(store, options with { WarmTrie = warm, TrieCacheBytes = budget });
                using var parallel = new ParallelExecutor(4, oversubscribe: true);
                var roots = new List<Hash256>();
                var blocksAfter = Enumerable.Range(reopenAt, blocks - reopenAt).Select(i => new PipelineBlock(workload.Blocks[i], HashOf(workload.Blocks[i])));
                Assert.Null(new ChainPipeline(chain, parallel).Run(blocksAfter, c => roots.Add(c.Block.StateRoot)));
                Assert.True(expected[(reopenAt + 1)..].SequenceEqual(roots), $"{at}: roots after a reopen with warming {warm}, budget {budget} differ");
                if (warmed) Assert.True(chain.WarmedNodes == keys.Count && chain.WarmedBytes == scannedBytes,
                    $"{at}: {chain.WarmedNodes} of the {keys.Count} stored account-trie nodes warmed, {chain.WarmedBytes} of {scannedBytes} bytes");
                else Assert.True(chain.WarmedNodes == 0 && chain.WarmedBytes == 0, $"{at}: warmed {chain.WarmedNodes} nodes with warming {warm}, budget {budget}");
                Assert.Equal(expected[reopenAt], chain.Revert(blocks - reopenAt).StateRoot);
            }
        }
        finally
        {
            store.Dispose();
        }
    }
}
