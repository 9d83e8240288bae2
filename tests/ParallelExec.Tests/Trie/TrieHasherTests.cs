using ParallelExec.Testing;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// The batched hasher's bookkeeping: one hash per node referenced by hash (plus the root, which is
/// always hashed), and nodes larger than its encoding buffer.
/// </summary>
public class TrieHasherTests
{
    [Fact]
    public void A_root_shorter_than_32_bytes_is_still_hashed_once()
    {
        var trie = new MerklePatriciaTrie();
        trie.Set([0x01], [0x02]);
        trie.ComputeRoot();
        Assert.Equal(1, trie.HashCount);
        Assert.Single(trie.HashedNodeLengths());
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(3000, 1)]
    [InlineData(3000, 2)]
    [InlineData(20000, 2)]
    public void Hash_count_is_one_per_node_referenced_by_hash(int keys, int threads)
    {
        int seed = keys * 10 + threads;
        var random = new Random(seed);
        var trie = new MerklePatriciaTrie();
        var stored = new List<byte[]>();
        for (int i = 0; i < keys; i++)
        {
            var key = RandomBytes(random, 32);
            stored.Add(key);
            trie.Set(key, RandomBytes(random, random.Next(3, 120)));
        }
        trie.ComputeRoot(threads);
        Assert.True(trie.HashedNodeLengths().Count == trie.HashCount, $"seed {seed}: {trie.HashCount} hashes for {trie.HashedNodeLengths().Count} hashed nodes");

        // Incrementally: exactly the dirty nodes (every one is 32 bytes or more with 32-byte keys and 3+ byte values).
        for (int i = 0; i < keys / 10 + 1; i++) trie.Set(stored[random.Next(stored.Count)], RandomBytes(random, random.Next(3, 120)));
        int dirty = trie.HashedNodeLengths(dirtyOnly: true).Count;
        long before = trie.HashCount;
        trie.ComputeRoot(threads);
        Assert.True(dirty == trie.HashCount - before, $"seed {seed}: {trie.HashCount - before} hashes for {dirty} dirty nodes");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void A_flush_at_any_point_gives_the_same_root(int flushThreshold)
    {
        // Plain keys from a tiny alphabet: extensions, branch values and inlined nodes, whose pending
        // children are cut off by flushes at every possible point of the walk.
        int seed = 1000 + flushThreshold;
        var random = new Random(seed);
        var trie = new MerklePatriciaTrie();
        var contents = new Dictionary<string, byte[]>();
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < 400; i++)
            {
                var key = new byte[random.Next(1, 6)];
                for (int b = 0; b < key.Length; b++) key[b] = (byte)(random.Next(3) * 0x11);
                if (random.Next(4) == 0 && contents.Count > 0)
                {
                    var victim = contents.Keys.ElementAt(random.Next(contents.Count));
                    trie.Delete(Convert.FromHexString(victim));
                    contents.Remove(victim);
                    continue;
                }
                var value = RandomBytes(random, random.Next(2) == 0 ? random.Next(1, 4) : random.Next(1, 80));
                trie.Set(key, value);
                contents[Convert.ToHexString(key)] = value;
            }
            long before = trie.HashCount;
            var queue = new TrieHashQueue(flushThreshold);
            if (trie.Root is { } root) TrieHasher.Compute(root, 0, queue);
            long queued = queue.TakeHashes();
            var ours = trie.ComputeRoot(); // the root is clean now: read from its cached reference
            var fresh = new MerklePatriciaTrie();
            foreach (var (key, value) in contents) fresh.Set(Convert.FromHexString(key), value);
            Assert.True(fresh.ComputeRoot() == ours, $"seed {seed}, round {round}: flushing every {flushThreshold} gives {ours}, a fresh build {fresh.ComputeRoot()}");
            Assert.True(trie.HashCount - before <= 1, $"seed {seed}, round {round}: ComputeRoot re-hashed after the queue's walk");
            Assert.True(queued > 0, $"seed {seed}, round {round}: nothing hashed");
        }
    }

    [Fact]
    public void Values_larger_than_the_encoding_buffer_match_ethereumjs()
    {
        const int seed = 9;
        var random = new Random(seed);
        var reference = new MptReference.Case(secure: false);
        var trie = new MerklePatriciaTrie();
        foreach (int length in new[] { 70_000, 5, 300_000, 40, 1_100_000, 200, 90_000 })
        {
            var key = RandomBytes(random, 4);
            var value = RandomBytes(random, length);
            reference.Put(key, value);
            trie.Set(key, value);
        }
        var expected = MptReference.Run([reference])[0];
        Assert.True(expected[^1] == trie.ComputeRoot().ToString(), $"seed {seed}: ethereumjs {expected[^1]}, ours {trie.ComputeRoot()}");
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
