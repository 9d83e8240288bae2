using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// The export with places: every exported node carries its owner and path, and removal records name
/// the places a stored node left, so that a store keyed by (owner, path), applying each set's
/// removals and then its writes, holds exactly the nodes of the current trie after every block (no
/// garbage, nothing missing). Every assertion names its seed.
/// </summary>
public class TrieNodePlacesTests
{
    /// <summary>A store keyed by place: (owner, path) → RLP.</summary>
    private sealed class PlaceStore
    {
        public readonly Dictionary<string, byte[]> Nodes = new();

        /// <summary>Applies a set as a store must: its removals, then its writes.</summary>
        public (int Removals, int Writes) Apply(IEnumerable<TrieNodeRecord> set)
        {
            int removals = 0, writes = 0;
            foreach (var record in set.Where(r => r.IsRemoval))
            {
                Nodes.Remove(TrieNodeStore.PlaceKey(record.Owner.Span, record.Path.Span));
                removals++;
            }
            foreach (var record in set.Where(r => !r.IsRemoval))
            {
                Assert.True(record.Hash == Keccak256.Compute(record.Rlp.Span), "a node's hash is not the hash of its RLP");
                Nodes[TrieNodeStore.PlaceKey(record.Owner.Span, record.Path.Span)] = record.Rlp.ToArray();
                writes++;
            }
            return (removals, writes);
        }
    }

    /// <summary>Every (place, RLP) of the nodes of a whole trie, from a walk of its own.</summary>
    private static SortedDictionary<string, string> PlacesOf(MerklePatriciaTrie trie)
    {
        var store = new TrieNodeStore(byPath: true);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, hash) in store.PutAll(trie, []))
        {
            store.TryGetNode([], path, hash, out var rlp);
            result[TrieNodeStore.PlaceKey([], path)] = Convert.ToHexString(rlp);
        }
        return result;
    }

    private static SortedDictionary<string, string> Contents(PlaceStore store) =>
        new(store.Nodes.ToDictionary(e => e.Key, e => Convert.ToHexString(e.Value)), StringComparer.Ordinal);

    private static void AssertSame(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual, string where)
    {
        var missing = expected.Keys.Except(actual.Keys).Take(3).ToList();
        var extra = actual.Keys.Except(expected.Keys).Take(3).ToList();
        var wrong = expected.Keys.Intersect(actual.Keys).Where(k => expected[k] != actual[k]).Take(3).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && wrong.Count == 0,
            $"{where}: missing [{string.Join(", ", missing)}], garbage [{string.Join(", ", extra)}], stale [{string.Join(", ", wrong)}]");
    }

    [Theory]
    [MemberData(nameof(LazyTrieTests.Seeds), MemberType = typeof(LazyTrieTests))]
    public void A_place_keyed_store_holds_exactly_the_current_nodes_after_every_block(int seed)
    {
        var random = new Random(seed);
        // Even seeds: keys of one length; odd seeds: varied lengths, keys prefixes of each other.
        int fixedLength = seed % 2 == 0 ? random.Next(2, 10) : 0;
        var trie = new MerklePatriciaTrie { RecordsRemovals = true };
        var store = new PlaceStore();
        var set = new TrieNodeSet();
        var keys = new List<byte[]>();
        int removals = 0;
        for (int block = 0; block < 60; block++)
        {
            // Blocks grow the trie early, then shrink it to nothing at the end.
            int operations = random.Next(1, 80);
            for (int i = 0; i < operations; i++)
            {
                bool shrink = block >= 50 || random.Next(3) == 0;
                if (shrink && keys.Count > 0)
                {
                    int at = random.Next(keys.Count);
                    trie.Delete(keys[at]);
                    keys.RemoveAt(at);
                }
                else if (!shrink)
                {
                    var key = random.Next(4) == 0 && keys.Count > 0 ? keys[random.Next(keys.Count)] : DifferentialTrieTests.PlainKey(random, fixedLength);
                    trie.Set(key, DifferentialTrieTests.Value(random)); // long or short: nodes cross 32 bytes both ways
                    keys.Add(key);
                }
            }
            if (block == 55) foreach (var key in keys) trie.Delete(key);
            set.Clear();
            trie.ComputeRoot(random.Next(1, 4), set);
            Assert.All(set, r => Assert.True(r.Owner.IsEmpty));
            removals += store.Apply(set).Removals;
            AssertSame(PlacesOf(trie), Contents(store), $"seed {seed}, block {block}");
        }
        Assert.Empty(store.Nodes); // the trie was emptied
        Assert.True(removals > 50, $"seed {seed}: only {removals} removals");
    }

    [Theory]
    [MemberData(nameof(LazyTrieTests.Seeds), MemberType = typeof(LazyTrieTests))]
    public void A_lazily_opened_trie_keeps_its_own_store_exact(int seed)
    {
        var random = new Random(seed);
        var (full, keys) = LazyTrieTests.Build(random, fixedLength: 32, count: 3000);
        var store = new TrieNodeStore(byPath: true);
        store.PutAll(full, []);
        var lazy = MerklePatriciaTrie.Open(store, [], full.ComputeRoot());
        lazy.RecordsRemovals = true;
        var set = new TrieNodeSet();
        for (int block = 0; block < 20; block++)
        {
            LazyTrieTests.RandomBlock(random, fixedLength: 32, keys, full, lazy);
            set.Clear();
            var root = lazy.ComputeRoot(2, set);
            Assert.True(full.ComputeRoot() == root, $"seed {seed}, block {block}: roots differ");
            // The lazy trie's own store takes the set: removals, then writes.
            foreach (var r in set) if (r.IsRemoval) Assert.True(store.Remove(r.Owner.Span, r.Path.Span, default), $"seed {seed}, block {block}: removal of a place the store does not hold");
            foreach (var r in set) if (!r.IsRemoval) store.Put(r.Owner.Span, r.Path.Span, r.Hash, r.Rlp.ToArray());
            Assert.Equal(PlacesOf(full).Count, store.Count);
        }
        // A fresh open of that store reads the current trie.
        var reopened = MerklePatriciaTrie.Open(store, [], full.ComputeRoot());
        Assert.Equal(full.Enumerate().Count(), reopened.Enumerate().Count());
        Assert.InRange(lazy.LoadedNodeCount, 2, store.Count - 1);
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void A_state_trie_keeps_a_place_keyed_store_exact_block_by_block_and_at_checkpoints(int seed)
    {
        var random = new Random(seed);
        var flat = new InMemoryState();
        flat.Apply(StateTrieTests.RandomChanges(random, accounts: 400, changes: 3000));
        foreach (bool checkpoints in new[] { false, true })
        {
            var trie = StateTrie.FromState(flat.Entries);
            trie.RecordsRemovals = true;
            trie.MarkAllPersisted();
            var store = new PlaceStore();
            store.Apply(trie.ExportAllNodes());
            var set = new TrieNodeSet();
            int removals = 0, storageRemovals = 0;
            for (int block = 0; block < 12; block++)
            {
                var changes = StateTrieTests.RandomChanges(random, accounts: 500, changes: random.Next(1, 300));
                trie.Apply(changes.ToArray());
                // Some accounts emptied: fields removed and slots cleared.
                for (int i = 0; i < random.Next(0, 4); i++)
                {
                    var address = Address.FromNumber((ulong)random.Next(500), tag: 0);
                    trie.RemoveAccountFields(address);
                    var clears = Enumerable.Range(0, 40).Select(s => new StateChange(StateKey.Storage(address, new UInt256((ulong)s)), UInt256.Zero)).ToArray();
                    trie.Apply(clears);
                }
                int dop = random.Next(1, 4);
                if (checkpoints && block % 3 != 2)
                {
                    trie.ComputeRoot(dop);
                    continue;
                }
                set.Clear();
                if (checkpoints) trie.ComputeRootForCheckpoint(dop, set);
                else trie.ComputeRoot(dop, set);
                var applied = store.Apply(set);
                removals += applied.Removals;
                storageRemovals += set.Count(r => r.IsRemoval && !r.Owner.IsEmpty);
                var expected = new PlaceStore();
                expected.Apply(trie.ExportAllNodes());
                AssertSame(Contents(expected), Contents(store), $"seed {seed}, block {block}, checkpoints {checkpoints}");
            }
            Assert.True(removals > 0 && storageRemovals > 0, $"seed {seed}: {removals} removals, {storageRemovals} in storage tries");
        }
    }
}
