using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A checkpoint's trie nodes reach RocksDB in ascending key order: sorted by their keys' eight-byte
/// prefixes, then by whole keys where prefixes tie (<see cref="SortedTrieNodes.SortKeys"/>).
/// </summary>
public class TrieNodeKeyOrderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Keys_sort_as_bytewise_comparison_orders_them(int seed)
    {
        // Account-trie keys of every depth (shorter and longer than the prefix), storage-trie keys of
        // a few owners (ties over 33 bytes), and keys that are others with zero bytes added.
        var random = new Random(seed);
        var owners = Enumerable.Range(0, 3).Select(_ => RandomBytes(random, 32)).ToArray();
        var keys = new List<byte[]>();
        for (int i = 0; i < 3000; i++)
        {
            var path = new byte[random.Next(0, 20)];
            for (int n = 0; n < path.Length; n++) path[n] = (byte)random.Next(i % 5 == 0 ? 2 : 16); // small nibbles: zero bytes, shared prefixes
            var owner = i % 3 == 0 ? owners[random.Next(owners.Length)] : [];
            var key = new byte[TrieNodeKey.MaxLength];
            keys.Add(key[..TrieNodeKey.Write(owner, path, key)]);
            if (i % 10 == 0) keys.Add([.. keys[^1], 0, 0]);
        }
        var all = keys.SelectMany(k => k).ToArray();
        var offsets = new int[keys.Count + 1];
        for (int i = 0; i < keys.Count; i++) offsets[i + 1] = offsets[i] + keys[i].Length;
        var prefixes = keys.Select(k => SortedTrieNodes.KeyPrefix(k)).ToArray();
        var order = Enumerable.Range(0, keys.Count).ToArray();

        SortedTrieNodes.SortKeys(all, offsets, prefixes, order);

        var expected = keys.Order(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).Select(Convert.ToHexString).ToList();
        Assert.Equal(expected, order.Select(i => Convert.ToHexString(keys[i])).ToList());
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
