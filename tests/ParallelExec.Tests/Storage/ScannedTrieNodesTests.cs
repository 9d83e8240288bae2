using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Storage;

namespace ParallelExec.Tests.Storage;

/// <summary>
/// A scan's nodes are hashed eight at a time as its chunks fill: every node is found under its own
/// hash (the one Keccak-256 gives its bytes) and under no other, across chunk boundaries, for nodes of
/// every size a store holds (embedded-sized, leaves, branches, one larger than a chunk).
/// </summary>
public class ScannedTrieNodesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_node_is_found_under_its_hash_and_no_other(int seed)
    {
        var random = new Random(seed);
        var nodes = new List<(byte[] Path, byte[] Rlp)>();
        var paths = new HashSet<string>();
        while (nodes.Count < 12_000)
        {
            var path = new byte[random.Next(0, 12)];
            for (int i = 0; i < path.Length; i++) path[i] = (byte)random.Next(16);
            if (!paths.Add(Convert.ToHexString(path))) continue;
            int length = nodes.Count == 5_000 ? (1 << 20) + 77 : random.Next(4) switch { 0 => random.Next(1, 32), 1 => random.Next(60, 140), _ => random.Next(400, 533) };
            var rlp = new byte[length];
            random.NextBytes(rlp);
            nodes.Add((path, rlp));
        }
        nodes.Sort((a, b) => Key(a.Path).AsSpan().SequenceCompareTo(Key(b.Path)));

        using var scanned = new ScannedTrieNodes(new ScannedTrieNodes.Buffers());
        foreach (var (path, rlp) in nodes) scanned.Add(Key(path), rlp);
        Assert.Throws<InvalidOperationException>(() => scanned.TryFind([], nodes[0].Path, default, out _));
        scanned.Seal();
        Assert.True(scanned.Bytes > 4L << 20, $"several chunks (seed {seed})");

        foreach (var (path, rlp) in nodes)
        {
            var hash = Keccak256.Compute(rlp);
            Assert.True(scanned.TryFind([], path, hash, out var found), $"seed {seed}: a node at depth {path.Length} not found under its hash");
            Assert.True(found.SequenceEqual(rlp), $"seed {seed}: other bytes");
            var other = Keccak256.Compute([.. rlp, 0]);
            Assert.False(scanned.TryFind([], path, other, out _), $"seed {seed}: found under another hash");
        }
        var absent = new byte[13];
        Assert.False(scanned.TryFind([], absent, default, out _));
    }

    private static byte[] Key(byte[] path)
    {
        var key = new byte[TrieNodeKey.MaxLength];
        return key[..TrieNodeKey.Write([], path, key)];
    }
}
