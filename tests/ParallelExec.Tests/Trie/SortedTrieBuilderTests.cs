using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>The streaming builder against the in-memory trie: same root, same hashed nodes, nothing more.</summary>
public class SortedTrieBuilderTests
{
    public static TheoryData<int, int, bool> Cases => new()
    {
        { 0, 1, false }, { 1, 2, false }, { 2, 3, false }, { 3, 4, true }, { 17, 5, false }, { 300, 6, true },
        { 1_000, 7, false }, { 20_000, 8, false }, { 5_000, 9, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Builds_the_root_and_exactly_the_hashed_nodes_of_the_in_memory_trie(int count, int seed, bool clustered)
    {
        var random = new Random(seed);
        var keys = new SortedDictionary<byte[], byte[]>(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
        while (keys.Count < count)
        {
            var key = new byte[32];
            random.NextBytes(key);
            // Clustered: keys that share long prefixes (extensions, deep branches) and differ in their last nibbles.
            if (clustered && keys.Count > 0 && random.Next(2) == 0)
            {
                var near = keys.Keys.ElementAt(random.Next(keys.Count));
                int keep = random.Next(1, 32);
                near.AsSpan(0, keep).CopyTo(key);
            }
            var value = new byte[random.Next(1, random.Next(3) == 0 ? 120 : 8)];
            random.NextBytes(value);
            keys[key] = value;
        }

        var trie = new MerklePatriciaTrie();
        foreach (var (key, value) in keys) trie.Set(key, value);
        var expectedNodes = new TrieNodeSet();
        var expectedRoot = trie.ComputeRoot(1, expectedNodes);

        var emitted = new Dictionary<Hash256, byte[]>();
        var paths = new HashSet<string>();
        var builder = new SortedTrieBuilder(ReadOnlySpan<byte>.Empty, node =>
        {
            Assert.Equal(node.Hash, Keccak256.Compute(node.Rlp.Span));
            Assert.True(paths.Add(Convert.ToHexString(node.Path.Span)), $"seed {seed}: two nodes at path {Convert.ToHexString(node.Path.Span)}");
            emitted[node.Hash] = node.Rlp.ToArray();
        });
        foreach (var (key, value) in keys) builder.Add(key, value);
        var root = builder.Finish();

        Assert.True(expectedRoot == root, $"seed {seed}: root {root}, the in-memory trie's {expectedRoot}");
        Assert.Equal(count, builder.Count);
        var expected = new Dictionary<Hash256, byte[]>();
        foreach (var node in expectedNodes) expected[node.Hash] = node.Rlp.ToArray();
        if (count == 0)
        {
            Assert.Empty(emitted);
            return;
        }
        Assert.True(expected.Count == emitted.Count, $"seed {seed}: {emitted.Count} nodes emitted, the trie hashed {expected.Count}");
        foreach (var (hash, rlp) in expected)
        {
            Assert.True(emitted.TryGetValue(hash, out var got) && got.AsSpan().SequenceEqual(rlp), $"seed {seed}: node {hash} not emitted");
        }
        Assert.Contains("", paths); // the root, at the empty path
    }

    [Fact]
    public void Keys_out_of_order_or_of_another_length_are_refused()
    {
        var builder = new SortedTrieBuilder(ReadOnlySpan<byte>.Empty, null);
        var key = new byte[32];
        key[0] = 5;
        builder.Add(key, [1]);
        Assert.Throws<ArgumentException>(() => builder.Add(key, [2]));
        Assert.Throws<ArgumentException>(() => builder.Add(new byte[32], [2]));
        Assert.Throws<ArgumentException>(() => builder.Add(new byte[31], [2]));
        key[0] = 6;
        Assert.Throws<ArgumentException>(() => builder.Add(key, []));
    }
}
