using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A chain reopened over a stored trie warms its account trie from scans of the store before its
/// first block (<see cref="ChainStateOptions.WarmTrie"/>): the scans visit exactly the account trie's
/// nodes in key order (the whole trie, or the sixteen subtries under the root), every one is put in memory, and the blocks after reach the reference roots;
/// a trie larger than a quarter of the budget gets its branches and extensions (each of them, nothing
/// else), one whose inner nodes do not fit either, or warming turned off, is left to load as blocks
/// touch it, with the same roots.
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

            // Which stored nodes are branches or extensions: what a warming of inner nodes takes.
            var inner = new List<int>();
            Assert.True(store.ScanAccountTrie((key, rlp) =>
            {
                if (key.Length > 2 && (ItemCount(rlp) == 17 || IsExtension(rlp))) inner.Add(key.Length + rlp.Length);
                return true;
            }));
            // What the warming judges the inner nodes to cost decoded: those under the root's child 0, times sixteen.
            long sampled = 0;
            Assert.True(store.ScanAccountSubtrie(0, (key, rlp) =>
            {
                if (ItemCount(rlp) == 17 || IsExtension(rlp)) sampled += 16L * (key.Length + rlp.Length + ChainState.DecodedInnerNodeBytes);
                return true;
            }));
            // Budgets whose quarter is under the trie's estimate (so the whole trie is not warmed): one
            // whose half holds every inner node many times over, one whose half is just short of them
            // (the warming takes all of them or none).
            long estimate = store.EstimateAccountTrieBytes();
            long innerBudget = 4 * estimate - 4, shortBudget = 2 * sampled - 4;
            Assert.True(innerBudget / 4 * 2 >= sampled && shortBudget / 4 < estimate, $"{at}: the sampled inner nodes cost {sampled}, the estimate is {estimate}");
            foreach (var (warm, budget, expect) in new[]
            {
                (true, ChainStateOptions.DefaultTrieCacheBytes, Warmed.Whole), (false, ChainStateOptions.DefaultTrieCacheBytes, Warmed.None),
                (true, 64L, Warmed.None), (true, innerBudget, Warmed.Inner), (true, shortBudget, Warmed.None),
            })
            {
                // Every run starts from block 8's committed state: RocksDB is reopened, the other replays the same blocks.
                var chain = ChainState.Open(store, options with { WarmTrie = warm, TrieCacheBytes = budget });
                using var parallel = new ParallelExecutor(4, oversubscribe: true);
                var roots = new List<Hash256>();
                var blocksAfter = Enumerable.Range(reopenAt, blocks - reopenAt).Select(i => new PipelineBlock(workload.Blocks[i], HashOf(workload.Blocks[i])));
                Assert.Null(new ChainPipeline(chain, parallel).Run(blocksAfter, c => roots.Add(c.Block.StateRoot)));
                Assert.True(expected[(reopenAt + 1)..].SequenceEqual(roots), $"{at}: roots after a reopen with warming {warm}, budget {budget} differ");
                switch (expect)
                {
                    case Warmed.Whole:
                        // The root is read on its own before the subtries' scans, all of which are counted.
                        Assert.True(chain.WarmedNodes == keys.Count && chain.WarmedBytes == rangedBytes && !chain.WarmedInnerNodesOnly,
                            $"{at}: {chain.WarmedNodes} of the {keys.Count} stored account-trie nodes warmed, {chain.WarmedBytes} of {rangedBytes} bytes");
                        break;
                    case Warmed.Inner:
                        // The root and every branch and extension below it, and nothing else.
                        Assert.True(chain.WarmedInnerNodesOnly && inner.Count > 1 && chain.WarmedNodes == 1 + inner.Count && chain.WarmedBytes == inner.Sum(),
                            $"{at}: {chain.WarmedNodes} nodes ({chain.WarmedBytes} bytes) warmed with budget {budget} (estimate {estimate}), where the store holds the root and {inner.Count} branches and extensions ({inner.Sum()} bytes)");
                        break;
                    default:
                        Assert.True(chain.WarmedNodes == 0 && chain.WarmedBytes == 0 && !chain.WarmedInnerNodesOnly,
                            $"{at}: warmed {chain.WarmedNodes} nodes with warming {warm}, budget {budget}");
                        break;
                }
                // Unwarmed or warmed without leaves, the pipeline's blocks built cold accounts' leaves
                // from their reads (RocksDB's prefetch reads whole accounts); warmed whole, no leaf was missing.
                if (rocks) Assert.True(expect == Warmed.Whole ? chain.BuiltTrieLeaves == 0 : chain.BuiltTrieLeaves > 0,
                    $"{at}: {chain.BuiltTrieLeaves} leaves built with warming {warm}, budget {budget}");
                // The token's storage trie is never warmed: its blocks' slot changes were loaded in batches, leaves built from their reads.
                if (rocks && kind == WorkloadKind.Token) Assert.True(chain.BuiltSlotLeaves > 0, $"{at}: no slot leaf built with warming {warm}, budget {budget}");
                // Over RocksDB the store keeps every account record in memory (read at the first
                // chain's first block, kept current through its commits and reverts).
                if (rocks) Assert.True(chain.CachedAccounts > 200 && chain.AccountCacheBytes > 0, $"{at}: {chain.CachedAccounts} account records kept in memory");
                Assert.Equal(expected[reopenAt], chain.Revert(blocks - reopenAt).StateRoot);
            }
            if (rocks) Assert.True(store.AccountCacheHits > 1_000, $"{at}: {store.AccountCacheHits} account reads answered from memory");
        }
        finally
        {
            store.Dispose();
        }
    }

    private enum Warmed { None, Whole, Inner }

    /// <summary>Items in a node's RLP list: 17 for a branch, 2 for a leaf or an extension.</summary>
    private static int ItemCount(ReadOnlySpan<byte> rlp)
    {
        var items = new Rlp.RlpReader(rlp).ReadList();
        int count = 0;
        for (; items.HasMore; count++) items.ReadEncodedItem();
        return count;
    }

    /// <summary>Whether a two-item node is an extension: its compact path's flag nibble is 0 or 1 (2 or 3: a leaf).</summary>
    private static bool IsExtension(ReadOnlySpan<byte> rlp)
    {
        if (ItemCount(rlp) != 2) return false;
        var path = new Rlp.RlpReader(rlp).ReadList().ReadString();
        return path[0] >> 4 < 2;
    }
}
