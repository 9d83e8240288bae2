using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A chain reopened over a stored trie warms its account trie from scans of the store before its
/// first block (<see cref="ChainStateOptions.WarmTrie"/>): the scans visit exactly the account trie's
/// nodes in key order (the whole trie, or the sixteen subtries under the root), every one is put in memory, and the blocks after reach the reference roots;
/// a trie larger than a quarter of the budget, or warming turned off, is left to load as blocks touch
/// it, with the same roots.
/// </summary>
public class TrieWarmingTests
{
    [Theory]
    [InlineData(true, WorkloadKind.Mixed)]
    [InlineData(true, WorkloadKind.Token)]
    [InlineData(false, WorkloadKind.Mixed)]
    public void A_reopened_chain_warms_its_account_trie_from_scans_and_keeps_the_reference_roots(bool rocks, WorkloadKind kind)
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

            // The sixteen ranged scans visit the same nodes but the root (a two-byte key), each once, in
            // the same order: a subtrie's nodes are those whose path starts with its nibble.
            var ranged = new List<byte[]>();
            long rangedBytes = 0;
            for (int nibble = 0; nibble < 16; nibble++)
            {
                int n = nibble;
                Assert.True(store.ScanAccountSubtrie(n, (key, rlp) =>
                {
                    Assert.True(key.Length > 2 && key[0] == 0 && key[1] >> 4 == n, $"{at}: the scan under nibble {n} visited {Convert.ToHexString(key)}");
                    rangedBytes += key.Length + rlp.Length;
                    ranged.Add(key.ToArray());
                    return true;
                }));
            }
            var belowRoot = keys.Where(k => k.Length > 2).ToList();
            Assert.True(belowRoot.Count == keys.Count - 1, $"{at}: the whole scan holds {keys.Count - belowRoot.Count} roots");
            Assert.True(belowRoot.Count == ranged.Count && belowRoot.Zip(ranged).All(p => p.First.AsSpan().SequenceEqual(p.Second)),
                $"{at}: the ranged scans visited {ranged.Count} nodes, the whole scan {belowRoot.Count} below the root");

            foreach (var (warm, budget, warmed) in new[] { (true, ChainStateOptions.DefaultTrieCacheBytes, true), (false, ChainStateOptions.DefaultTrieCacheBytes, false), (true, 64L, false) })
            {
                // Every run starts from block 8's committed state: RocksDB is reopened, the other replays the same blocks.
                var chain = ChainState.Open(store, options with { WarmTrie = warm, TrieCacheBytes = budget });
                using var parallel = new ParallelExecutor(4, oversubscribe: true);
                var roots = new List<Hash256>();
                var blocksAfter = Enumerable.Range(reopenAt, blocks - reopenAt).Select(i => new PipelineBlock(workload.Blocks[i], HashOf(workload.Blocks[i])));
                Assert.Null(new ChainPipeline(chain, parallel).Run(blocksAfter, c => roots.Add(c.Block.StateRoot)));
                Assert.True(expected[(reopenAt + 1)..].SequenceEqual(roots), $"{at}: roots after a reopen with warming {warm}, budget {budget} differ");
                // The root is read on its own before the subtries' scans, all of which are counted.
                if (warmed) Assert.True(chain.WarmedNodes == keys.Count && chain.WarmedBytes == rangedBytes,
                    $"{at}: {chain.WarmedNodes} of the {keys.Count} stored account-trie nodes warmed, {chain.WarmedBytes} of {rangedBytes} bytes");
                else Assert.True(chain.WarmedNodes == 0 && chain.WarmedBytes == 0, $"{at}: warmed {chain.WarmedNodes} nodes with warming {warm}, budget {budget}");
                // Unwarmed, the pipeline's blocks built cold accounts' leaves from their reads (RocksDB's
                // prefetch reads whole accounts); warmed, no leaf was missing.
                if (rocks) Assert.True(warmed ? chain.BuiltTrieLeaves == 0 : chain.BuiltTrieLeaves > 0,
                    $"{at}: {chain.BuiltTrieLeaves} leaves built with warming {warm}, budget {budget}");
                Assert.Equal(expected[reopenAt], chain.Revert(blocks - reopenAt).StateRoot);
            }
        }
        finally
        {
            store.Dispose();
        }
    }
}
