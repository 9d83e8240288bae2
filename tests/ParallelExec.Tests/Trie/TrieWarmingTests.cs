using ParallelExec.State;
using ParallelExec.Storage;
using ParallelExec.Testing;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// A stored trie put in memory from one scan of its nodes (<see cref="MerklePatriciaTrie.LoadFrom"/>,
/// as <see cref="ChainState"/> warms its trie): every account-trie node the scan holds is loaded and
/// checked, the blocks after it read no account-trie node from the store and reach the roots of the
/// whole trie, and a node the scan lacks or holds with other bytes is left to the store. Every
/// assertion names its seed.
/// </summary>
public class TrieWarmingTests
{
    /// <summary>
    /// The account-trie nodes of <paramref name="whole"/> as a scan of a node store holds them (by store
    /// key, in key order), each RLP first passed through <paramref name="tamper"/> (path, RLP) when given.
    /// </summary>
    private static ScannedTrieNodes Scan(StateTrie whole, Func<byte[], byte[], byte[]?>? tamper = null, ScannedTrieNodes.Buffers? buffers = null)
    {
        var nodes = new SortedDictionary<byte[], byte[]>(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        foreach (var node in whole.ExportAllNodes())
        {
            if (!node.Owner.IsEmpty) continue;
            var key = new byte[TrieNodeKey.MaxLength];
            int length = TrieNodeKey.Write(node.Owner.Span, node.Path.Span, key);
            var rlp = tamper?.Invoke(node.Path.ToArray(), node.Rlp.ToArray()) ?? node.Rlp.ToArray();
            nodes.Add(key[..length], rlp);
        }
        var scanned = new ScannedTrieNodes(buffers ?? new ScannedTrieNodes.Buffers());
        foreach (var (key, rlp) in nodes) scanned.Add(key, rlp);
        scanned.Seal();
        return scanned;
    }

    /// <summary>A random state, its whole trie in memory and a store holding that trie's nodes by place.</summary>
    private static (InMemoryState Flat, StateTrie Whole, TrieNodeStore Store) StoredState(Random random)
    {
        var flat = new InMemoryState();
        flat.Apply(StateTrieTests.RandomChanges(random, accounts: 500, changes: 4000));
        var whole = StateTrie.FromState(flat.Entries);
        return (flat, whole, TrieNodeStore.Of(whole, byPath: true));
    }

    /// <summary>Six blocks of random changes (some to accounts not in the state yet) applied to both tries: equal roots after each.</summary>
    private static void FollowBlocks(Random random, InMemoryState flat, StateTrie whole, StateTrie warmed, string at)
    {
        for (int block = 0; block < 6; block++)
        {
            var changes = StateTrieTests.RandomChanges(random, accounts: 700, changes: random.Next(20, 80)).ToArray();
            flat.Apply(changes);
            whole.Apply(changes);
            warmed.Apply(changes);
            Assert.True(whole.ComputeRoot() == warmed.ComputeRoot(), $"{at}: roots differ after block {block}");
        }
    }

    /// <summary>
    /// A warming that takes only branches and extensions tells leaves apart by their bytes alone
    /// (<see cref="TrieNodeDecoder.IsLeaf"/>): on every node of a random state (account and storage
    /// tries) it agrees with the decoder, as on hand-made extensions and leaves whose compact path is
    /// one byte or several; bytes that are no node are no leaf.
    /// </summary>
    [Fact]
    public void A_node_s_bytes_tell_a_leaf_from_a_branch_or_an_extension()
    {
        int seed = Environment.TickCount & 0x7fffffff;
        var (_, whole, _) = StoredState(new Random(seed));
        int leaves = 0, others = 0;
        Span<byte> hash = stackalloc byte[Hash256.Size];
        foreach (var node in whole.ExportAllNodes())
        {
            ParallelExec.Crypto.Keccak256.Compute(node.Rlp.Span, hash);
            bool leaf = TrieNodeDecoder.Decode(node.Rlp.Span, node.Path.Span, node.Owner.Span, hash) is LeafNode;
            Assert.True(TrieNodeDecoder.IsLeaf(node.Rlp.Span) == leaf,
                $"seed {seed}: the node at {Convert.ToHexString(node.Path.Span)} of {Convert.ToHexString(node.Owner.Span)} is {(leaf ? "" : "not ")}a leaf");
            if (leaf) leaves++;
            else others++;
        }
        Assert.True(leaves > 100 && others > 10, $"seed {seed}: {leaves} leaves and {others} other nodes");

        var child = new byte[33];
        child[0] = 0xa0;
        Assert.False(TrieNodeDecoder.IsLeaf([0xe2, 0x11, .. child]), "an extension of one nibble (compact path one byte, flag 1)");
        Assert.False(TrieNodeDecoder.IsLeaf([0xe3, 0x82, 0x00, 0x12, .. child]), "an extension of two nibbles (flag 0)");
        Assert.True(TrieNodeDecoder.IsLeaf([0xc2, 0x20, 0x01]), "a leaf whose key ends at its parent (compact path 0x20, one byte)");
        Assert.True(TrieNodeDecoder.IsLeaf([0xc4, 0x82, 0x35, 0x67, 0x01]), "a leaf of three nibbles (flag 3)");
        foreach (var bytes in new byte[][] { [], [0x80], [0xc1, 0x80], [0xc3, 0x80, 0x80, 0x80], [0xc5, 0x82, 0x35] })
            Assert.False(TrieNodeDecoder.IsLeaf(bytes), $"{Convert.ToHexString(bytes)} is no node");
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void A_warmed_trie_reads_no_account_node_from_the_store_and_keeps_the_whole_tries_roots(int seed)
    {
        foreach (int threads in new[] { 1, 4 })
        {
            var random = new Random(seed);
            var (flat, whole, store) = StoredState(random);
            var scanned = Scan(whole);
            var warmed = StateTrie.Open(store, whole.Root, flat);
            long loaded = warmed.LoadFrom(scanned, threads);
            Assert.True(loaded == scanned.Count, $"seed {seed}, {threads} threads: {loaded} of the scan's {scanned.Count} nodes put in place");
            Assert.Equal(0, store.Reads);
            Assert.Equal(whole.Root, warmed.ComputeRoot());
            FollowBlocks(random, flat, whole, warmed, $"seed {seed}, {threads} threads");
            long accountReads = store.AccountTrieReads;
            Assert.True(accountReads == 0, $"seed {seed}, {threads} threads: {accountReads} account-trie nodes read from the store after warming");
        }
    }

    /// <summary>
    /// As the warming's sixteen scans do: a scan disposed gives its chunks back, the next scan over
    /// the same buffers writes its nodes into them, and a trie warmed from it still reads nothing from
    /// the store and keeps the whole trie's roots.
    /// </summary>
    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Scans_in_turn_over_shared_buffers_each_warm_their_own_trie(int seed)
    {
        var random = new Random(seed);
        var buffers = new ScannedTrieNodes.Buffers();
        var (_, first, _) = StoredState(random);
        var before = Scan(first, buffers: buffers);
        Assert.True(before.Count > 0, $"seed {seed}: the first scan holds nothing");
        before.Dispose();
        Assert.Equal(0, before.Count);
        var (flat, whole, store) = StoredState(random);
        using var scanned = Scan(whole, buffers: buffers);
        var warmed = StateTrie.Open(store, whole.Root, flat);
        long loaded = warmed.LoadFrom(scanned, 1);
        Assert.True(loaded == scanned.Count, $"seed {seed}: {loaded} of the second scan's {scanned.Count} nodes put in place");
        Assert.Equal(0, store.Reads);
        Assert.Equal(whole.Root, warmed.ComputeRoot());
        FollowBlocks(random, flat, whole, warmed, $"seed {seed}, second scan");
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void A_node_the_scan_holds_with_other_bytes_is_left_with_its_subtree_to_the_store(int seed)
    {
        var random = new Random(seed);
        var (flat, whole, store) = StoredState(random);
        int nibble = random.Next(16);
        // The node at [nibble] read with bytes that are not its own (reversed).
        var scanned = Scan(whole, (path, rlp) => path.Length == 1 && path[0] == nibble ? [.. rlp.Reverse()] : null);
        var readPaths = new List<byte[]>();
        store.Tamper = (owner, path) =>
        {
            if (owner.Length == 0) lock (readPaths) readPaths.Add(path);
            return null;
        };
        var warmed = StateTrie.Open(store, whole.Root, flat);
        long loaded = warmed.LoadFrom(scanned, 2);
        Assert.True(loaded > 0 && loaded < scanned.Count, $"seed {seed}: {loaded} of {scanned.Count} nodes put in place with the node at [{nibble}] wrong");
        FollowBlocks(random, flat, whole, warmed, $"seed {seed}");
        Assert.True(readPaths.Count > 0, $"seed {seed}: the subtree at [{nibble}] was never read from the store");
        Assert.All(readPaths, path => Assert.True(path.Length > 0 && path[0] == nibble,
            $"seed {seed}: the store was asked for a node outside the subtree at [{nibble}] ({Convert.ToHexString(path)})"));
    }

    [Fact]
    public void A_node_wrong_in_the_scan_and_in_the_store_fails_the_block_that_needs_it_naming_its_place()
    {
        var random = new Random(5);
        var (flat, whole, store) = StoredState(random);
        static bool AtSeven(byte[] path) => path.Length == 1 && path[0] == 7;
        var scanned = Scan(whole, (path, rlp) => AtSeven(path) ? [.. rlp.Reverse()] : null);
        var warmed = StateTrie.Open(store, whole.Root, flat);
        Assert.InRange(warmed.LoadFrom(scanned, 2), 1, scanned.Count - 1);
        // The store is corrupt there too.
        store.Tamper = (owner, path) => owner.Length == 0 && AtSeven(path) && store.TryGetStored(owner, path, out var rlp) ? [.. rlp.Reverse()] : null;
        static int FirstNibble(Address address)
        {
            Span<byte> digest = stackalloc byte[32];
            ParallelExec.Crypto.Keccak256.Compute(address.ToArray(), digest);
            return digest[0] >> 4;
        }
        var addresses = Enumerable.Range(0, 500).Select(i => Address.FromNumber((ulong)i, tag: 0)).ToArray();
        warmed.Apply([new StateChange(StateKey.Balance(addresses.First(a => FirstNibble(a) != 7)), new UInt256(9))]);
        var error = Assert.Throws<MissingTrieNodeException>(() =>
            warmed.Apply([new StateChange(StateKey.Balance(addresses.First(a => FirstNibble(a) == 7)), new UInt256(9))]));
        Assert.Contains("bytes of another hash", error.Message);
    }
}
