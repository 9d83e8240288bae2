using ParallelExec.Testing;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// Tries opened from a root hash (<see cref="MerklePatriciaTrie.Open"/>), nodes loaded on demand,
/// checked against the same trie built whole in memory after every block. Every assertion names its
/// seed; rerun one with PARALLELEXEC_TRIE_SEED=&lt;seed&gt;.
/// </summary>
public class LazyTrieTests
{
    public static IEnumerable<object[]> Seeds()
    {
        var chosen = Environment.GetEnvironmentVariable("PARALLELEXEC_TRIE_SEED");
        if (int.TryParse(chosen, out int only)) return [[only]];
        // One fresh seed per run widens coverage over time; it is printed on failure.
        return new[] { 1, 2, 3, 4, 5, 6 }.Append(Environment.TickCount & 0x7fffffff).Select(s => new object[] { s });
    }

    /// <summary>Builds a trie of random keys; returns it with its keys.</summary>
    internal static (MerklePatriciaTrie Trie, List<byte[]> Keys) Build(Random random, int fixedLength, int count)
    {
        var trie = new MerklePatriciaTrie();
        var keys = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            var key = DifferentialTrieTests.PlainKey(random, fixedLength);
            keys.Add(key);
            trie.Set(key, DifferentialTrieTests.Value(random));
        }
        trie.ComputeRoot();
        return (trie, keys);
    }

    /// <summary>One block of random updates, applied to every trie: new keys, changed values, deletions (some whole runs of keys).</summary>
    internal static void RandomBlock(Random random, int fixedLength, List<byte[]> keys, params MerklePatriciaTrie[] tries)
    {
        int operations = random.Next(1, 60);
        for (int i = 0; i < operations; i++)
        {
            int choice = random.Next(10);
            byte[] key;
            if (choice < 3 || keys.Count == 0)
            {
                key = DifferentialTrieTests.PlainKey(random, fixedLength);
                keys.Add(key);
            }
            else
            {
                key = keys[random.Next(keys.Count)];
            }
            bool delete = choice >= 6 && keys.Count > 0;
            var value = delete ? [] : DifferentialTrieTests.Value(random);
            foreach (var trie in tries)
            {
                if (delete) trie.Delete(key);
                else trie.Set(key, value);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_trie_opened_from_its_root_hash_follows_the_whole_trie_block_by_block(int seed)
    {
        var random = new Random(seed);
        // Even seeds: keys of one length; odd seeds: keys of varied length, prefixes of each other.
        int fixedLength = seed % 2 == 0 ? random.Next(2, 12) : 0;
        var (full, keys) = Build(random, fixedLength, random.Next(300, 1500));
        var byPath = new TrieNodeStore(byPath: true);
        var byHash = new TrieNodeStore(byPath: false);
        var written = byPath.PutAll(full, []);
        byHash.PutAll(full, []);
        var root = full.ComputeRoot();
        var lazyByPath = MerklePatriciaTrie.Open(byPath, [], root);
        var lazyByHash = MerklePatriciaTrie.Open(byHash, [], root);
        Assert.Equal(0, lazyByPath.LoadedNodeCount); // opening reads nothing
        for (int block = 0; block < 25; block++)
        {
            RandomBlock(random, fixedLength, keys, full, lazyByPath, lazyByHash);
            int threads = random.Next(1, 4);
            var expected = full.ComputeRoot(threads);
            Assert.True(expected == lazyByPath.ComputeRoot(threads), $"seed {seed}, block {block}: root of the trie opened on a path-keyed store differs");
            Assert.True(expected == lazyByHash.ComputeRoot(threads), $"seed {seed}, block {block}: root of the trie opened on a hash-keyed store differs");
            for (int i = 0; i < 5; i++)
            {
                var key = keys[random.Next(keys.Count)];
                Assert.True(Equal(full.Get(key), lazyByPath.Get(key)), $"seed {seed}, block {block}: value of {Convert.ToHexString(key)} differs");
            }
            // A trie opened afresh on the store holding the current nodes gives the same answers.
            var store = new TrieNodeStore(byPath: true);
            store.PutAll(full, []);
            var reopened = MerklePatriciaTrie.Open(store, [], expected);
            var probe = keys[random.Next(keys.Count)];
            Assert.True(Equal(full.Get(probe), reopened.Get(probe)), $"seed {seed}, block {block}: reopened value differs");
            Assert.Equal(expected, reopened.ComputeRoot());
        }
        // The lazy path ran: nodes were loaded, and not all of them.
        Assert.InRange(lazyByPath.LoadedNodeCount, 2, written.Count - 1);
        Assert.InRange(lazyByHash.LoadedNodeCount, 2, written.Count - 1);
        Assert.Equal(byPath.Reads, lazyByPath.LoadedNodeCount);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void SetMany_on_parallel_buckets_loads_nodes_and_matches_the_whole_trie(int seed)
    {
        var random = new Random(seed);
        var full = new MerklePatriciaTrie();
        var keys = new List<byte[]>();
        for (int i = 0; i < 20_000; i++)
        {
            var key = new byte[32];
            random.NextBytes(key);
            keys.Add(key);
            full.Set(key, DifferentialTrieTests.Value(random));
        }
        var store = new TrieNodeStore(byPath: true);
        int total = store.PutAll(full, []).Count;
        var lazy = MerklePatriciaTrie.Open(store, [], full.ComputeRoot());
        for (int block = 0; block < 3; block++)
        {
            // Enough keys for the parallel buckets; some new, most existing.
            int count = 3000;
            var owned = new byte[count][];
            var values = new byte[count * 8];
            var offsets = new int[count];
            var lengths = new int[count];
            var chosen = new HashSet<string>();
            for (int i = 0; i < count; i++)
            {
                byte[] key;
                do
                {
                    key = random.Next(4) == 0 ? RandomKey(random) : keys[random.Next(keys.Count)];
                }
                while (!chosen.Add(Convert.ToHexString(key)));
                owned[i] = key;
                offsets[i] = i * 8;
                lengths[i] = random.Next(1, 9);
                random.NextBytes(values.AsSpan(offsets[i], lengths[i]));
            }
            full.SetMany(owned, values, offsets, lengths, count, degreeOfParallelism: 1);
            lazy.SetMany(owned, values, offsets, lengths, count, degreeOfParallelism: 4, hashSubtries: block % 2 == 0);
            Assert.True(full.ComputeRoot() == lazy.ComputeRoot(4), $"seed {seed}, block {block}: roots differ");
        }
        Assert.InRange(lazy.LoadedNodeCount, 100, total - 1);
    }

    [Fact]
    public void SetMany_that_meets_a_missing_node_in_a_parallel_bucket_throws_it_and_leaves_a_sound_trie()
    {
        var random = new Random(17);
        var full = new MerklePatriciaTrie();
        for (int i = 0; i < 20_000; i++) full.Set(RandomKey(random), DifferentialTrieTests.Value(random));
        var store = new TrieNodeStore(byPath: true);
        var written = store.PutAll(full, []);
        var lazy = MerklePatriciaTrie.Open(store, [], full.ComputeRoot());
        // Lose one node two levels down: the keys under nibbles 3, 7 miss it, the other buckets do not.
        var (lostPath, lostHash) = written.Single(w => w.Path.SequenceEqual(new byte[] { 3, 7 }));
        Assert.True(store.TryGetNode([], lostPath, lostHash, out var lostRlp));
        store.Remove([], lostPath, lostHash);
        int count = 4000;
        var owned = new byte[count][];
        var values = new byte[count * 4];
        var offsets = new int[count];
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            owned[i] = RandomKey(random);
            offsets[i] = i * 4;
            lengths[i] = 4;
        }
        random.NextBytes(values);
        owned[count / 2][0] = 0x37; // one key surely under the lost node
        var error = Assert.Throws<MissingTrieNodeException>(() => lazy.SetMany(owned, values, offsets, lengths, count, degreeOfParallelism: 4));
        Assert.Contains("path '37' of the account trie", error.Message);
        // The keys set before the failure are whole: with the node back, setting them all again gives the full trie's root.
        store.Put([], lostPath, lostHash, lostRlp);
        lazy.SetMany(owned, values, offsets, lengths, count, degreeOfParallelism: 4);
        full.SetMany(owned, values, offsets, lengths, count, degreeOfParallelism: 1);
        Assert.Equal(full.ComputeRoot(), lazy.ComputeRoot());
    }

    private static byte[] RandomKey(Random random)
    {
        var key = new byte[32];
        random.NextBytes(key);
        return key;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Iteration_and_seeks_load_what_they_walk(int seed)
    {
        var random = new Random(seed);
        int fixedLength = seed % 2 == 0 ? random.Next(2, 8) : 0;
        var (full, keys) = Build(random, fixedLength, random.Next(200, 800));
        var store = new TrieNodeStore(byPath: true);
        int total = store.PutAll(full, []).Count;
        var root = full.ComputeRoot();

        var seeker = MerklePatriciaTrie.Open(store, [], root);
        for (int i = 0; i < 50; i++)
        {
            var probe = random.Next(2) == 0 ? keys[random.Next(keys.Count)] : DifferentialTrieTests.PlainKey(random, fixedLength);
            Assert.Equal(full.TryGetNext(probe, out var next), seeker.TryGetNext(probe, out var lazyNext));
            Assert.True(Equal(next, lazyNext), $"seed {seed}: next of {Convert.ToHexString(probe)} differs");
            Assert.Equal(full.TryGetPrevious(probe, out var previous), seeker.TryGetPrevious(probe, out var lazyPrevious));
            Assert.True(Equal(previous, lazyPrevious), $"seed {seed}: previous of {Convert.ToHexString(probe)} differs");
        }
        Assert.InRange(seeker.LoadedNodeCount, 2, total);

        var enumerated = MerklePatriciaTrie.Open(store, [], root);
        var expected = full.Enumerate().Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).ToList();
        var actual = enumerated.Enumerate().Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(total, enumerated.LoadedNodeCount);
    }

    [Fact]
    public void A_node_missing_from_the_source_fails_the_call_names_its_place_and_leaves_the_trie_usable()
    {
        var random = new Random(11);
        var full = new MerklePatriciaTrie();
        var keys = new List<byte[]>();
        for (int i = 0; i < 500; i++)
        {
            var key = RandomKey(random);
            keys.Add(key);
            full.Set(key, DifferentialTrieTests.Value(random));
        }
        var store = new TrieNodeStore(byPath: true);
        var written = store.PutAll(full, []);
        var root = full.ComputeRoot();
        // Lose a node two levels down, and the keys below it with it.
        var (lostPath, lostHash) = written.First(w => w.Path.Length == 2);
        Assert.True(store.Remove([], lostPath, lostHash));
        var lazy = MerklePatriciaTrie.Open(store, [], root);
        var below = keys.First(k => Nibbles.At(k, 0) == lostPath[0] && Nibbles.At(k, 1) == lostPath[1]);
        var elsewhere = keys.First(k => Nibbles.At(k, 0) != lostPath[0]);

        var error = Assert.Throws<MissingTrieNodeException>(() => lazy.Get(below));
        Assert.Contains($"path '{"0123456789abcdef"[lostPath[0]]}{"0123456789abcdef"[lostPath[1]]}' of the account trie", error.Message);
        Assert.Contains(lostHash.ToString(), error.Message);
        Assert.Throws<MissingTrieNodeException>(() => lazy.Set(below, [1, 2, 3]));
        Assert.Throws<MissingTrieNodeException>(() => lazy.Delete(below));
        Assert.Equal(root, lazy.ComputeRoot());

        // The rest of the trie still works, and so does the lost part once the node is back.
        var value = DifferentialTrieTests.Value(random);
        full.Set(elsewhere, value);
        lazy.Set(elsewhere, value);
        Assert.Equal(full.ComputeRoot(), lazy.ComputeRoot());
        store.PutAll(full, []); // the lost node's subtree is unchanged: it is written back as it was
        full.Delete(below);
        lazy.Delete(below);
        Assert.Equal(full.ComputeRoot(), lazy.ComputeRoot());
    }

    [Fact]
    public void A_deletion_whose_collapse_needs_a_missing_sibling_changes_nothing()
    {
        // Two keys under one branch at nibble 1: deleting one collapses the branch onto the other.
        var full = new MerklePatriciaTrie();
        byte[] a = [0x10, .. Enumerable.Repeat((byte)0xaa, 31)], b = [0x11, .. Enumerable.Repeat((byte)0xbb, 31)], c = [0x20, .. Enumerable.Repeat((byte)0xcc, 31)];
        var big = Enumerable.Repeat((byte)7, 40).ToArray(); // leaves of 32 bytes or more: referenced by hash
        full.Set(a, big);
        full.Set(b, big);
        full.Set(c, big);
        var store = new TrieNodeStore(byPath: true);
        var written = store.PutAll(full, []);
        var root = full.ComputeRoot();
        var sibling = written.Single(w => w.Path.SequenceEqual(new byte[] { 1, 1 }));
        store.Remove([], sibling.Path, sibling.Hash);
        var lazy = MerklePatriciaTrie.Open(store, [], root);
        var error = Assert.Throws<MissingTrieNodeException>(() => lazy.Delete(a));
        Assert.Contains("path '11' of the account trie", error.Message);
        Assert.Equal(root, lazy.ComputeRoot());
        Assert.NotNull(lazy.Get(a));

        store.PutAll(full, []);
        full.Delete(a);
        lazy.Delete(a);
        Assert.Equal(full.ComputeRoot(), lazy.ComputeRoot());
    }

    [Fact]
    public void A_source_returning_bytes_of_another_node_is_rejected()
    {
        var random = new Random(12);
        var full = new MerklePatriciaTrie();
        for (int i = 0; i < 300; i++) full.Set(RandomKey(random), DifferentialTrieTests.Value(random));
        var store = new TrieNodeStore(byPath: false);
        store.PutAll(full, []);
        var root = full.ComputeRoot();
        var lazy = MerklePatriciaTrie.Open(store, [], root);
        Assert.True(store.TryGetNode([], [], root, out var rootRlp));
        // Every node below the root comes back as the root's bytes.
        store.Tamper = (owner, path) => path.Length == 0 ? null : rootRlp;
        var error = Assert.Throws<MissingTrieNodeException>(() => lazy.Get(RandomKey(random)));
        Assert.Contains("was returned with bytes of another hash", error.Message);
        Assert.Contains("of the account trie", error.Message);
    }

    [Fact]
    public void A_storage_trie_names_its_owner_when_a_node_is_missing()
    {
        var random = new Random(13);
        var full = new MerklePatriciaTrie();
        for (int i = 0; i < 100; i++) full.Set(RandomKey(random), DifferentialTrieTests.Value(random));
        var owner = RandomKey(random);
        var store = new TrieNodeStore(byPath: true);
        store.PutAll(full, owner);
        // Under another owner, the nodes are not found (opening reads nothing: the first walk fails).
        var elsewhere = MerklePatriciaTrie.Open(store, RandomKey(random), full.ComputeRoot());
        var error = Assert.Throws<MissingTrieNodeException>(() => elsewhere.Get(RandomKey(random)));
        Assert.Contains("path '' of the storage trie of 0x", error.Message);
        var lazy = MerklePatriciaTrie.Open(store, owner, full.ComputeRoot());
        Assert.Equal(full.ComputeRoot(), lazy.ComputeRoot());
        Assert.Throws<InvalidOperationException>(() => lazy.Count);
        Assert.Equal(0, MerklePatriciaTrie.Open(store, owner, MerklePatriciaTrie.EmptyRoot).Count);
    }

    [Fact]
    public void A_lazily_opened_trie_matches_ethereumjs()
    {
        var cases = new List<MptReference.Case>();
        var ours = new List<List<string>>();
        foreach (int seed in new[] { 21, 22 })
        {
            var random = new Random(seed);
            bool secure = seed % 2 == 0;
            var reference = new MptReference.Case(secure: false);
            var full = new MerklePatriciaTrie();
            var keys = new List<byte[]>();
            // Keys of one length: ethereumjs mishandles deletions among keys that prefix each other (see DifferentialTrieTests).
            int length = secure ? 32 : 6;
            for (int i = 0; i < 400; i++)
            {
                var key = secure ? RandomKey(random) : DifferentialTrieTests.PlainKey(random, length);
                var value = DifferentialTrieTests.Value(random);
                keys.Add(key);
                full.Set(key, value);
                reference.Put(key, value);
            }
            var store = new TrieNodeStore(byPath: true);
            store.PutAll(full, []);
            var lazy = MerklePatriciaTrie.Open(store, [], full.ComputeRoot());
            var roots = new List<string>();
            for (int block = 0; block < 8; block++)
            {
                for (int i = 0; i < 40; i++)
                {
                    var key = random.Next(3) == 0 ? (secure ? RandomKey(random) : DifferentialTrieTests.PlainKey(random, length)) : keys[random.Next(keys.Count)];
                    if (random.Next(2) == 0)
                    {
                        lazy.Delete(key);
                        reference.Delete(key);
                    }
                    else
                    {
                        var value = DifferentialTrieTests.Value(random);
                        keys.Add(key);
                        lazy.Set(key, value);
                        reference.Put(key, value);
                    }
                }
                reference.Root();
                roots.Add(lazy.ComputeRoot().ToString());
            }
            roots.Add(lazy.ComputeRoot().ToString()); // the final root the reference prints
            Assert.InRange(lazy.LoadedNodeCount, 2, store.Count - 1);
            cases.Add(reference);
            ours.Add(roots);
        }
        var expected = MptReference.Run(cases);
        for (int i = 0; i < cases.Count; i++) Assert.Equal(expected[i], ours[i]);
    }

    private static bool Equal(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}
