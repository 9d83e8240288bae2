using System.Runtime.InteropServices;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// Eviction under a tiny budget (everything evictable dropped after every block) gives the roots of
/// the trie that never evicts, while what stays in memory is bounded. Every assertion names its seed.
/// </summary>
public class EvictionTests
{
    [Theory]
    [MemberData(nameof(LazyTrieTests.Seeds), MemberType = typeof(LazyTrieTests))]
    public void A_trie_unloaded_after_every_block_keeps_the_roots_of_one_that_never_unloads(int seed)
    {
        var random = new Random(seed);
        var (full, keys) = LazyTrieTests.Build(random, fixedLength: 32, count: 2000);
        var store = new TrieNodeStore(byPath: true);
        store.PutAll(full, []);
        var lazy = MerklePatriciaTrie.Open(store, [], full.ComputeRoot());
        lazy.RecordsRemovals = true;
        var set = new TrieNodeSet();
        long unloaded = 0;
        for (int block = 0; block < 15; block++)
        {
            LazyTrieTests.RandomBlock(random, fixedLength: 32, keys, full, lazy);
            set.Clear();
            Assert.True(full.ComputeRoot() == lazy.ComputeRoot(2, set), $"seed {seed}, block {block}: roots differ");
            store.Apply(set); // every node hashed is now in the store: all are persisted
            long before = lazy.Resident().Nodes;
            unloaded += lazy.Unload(keepDepth: 2, upToGeneration: int.MaxValue);
            long after = lazy.Resident().Nodes;
            Assert.True(after <= 1 + 16 + 256, $"seed {seed}, block {block}: {after} nodes in memory after unloading");
            // A block may load nothing below the kept levels (say, one delete of a key that is not
            // there, ending in an empty slot at depth 2): then there is nothing to unload.
            Assert.True(after <= before, $"seed {seed}, block {block}: unloading went from {before} to {after} nodes");
        }
        Assert.True(unloaded > 30, $"seed {seed}: only {unloaded} subtrees unloaded");
        Assert.Equal(full.ComputeRoot(), lazy.ComputeRoot());
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void A_state_trie_evicting_to_a_tiny_budget_after_every_block_gives_the_same_roots(int seed)
    {
        var random = new Random(seed);
        var flat = new InMemoryState();
        flat.Apply(StateTrieTests.RandomChanges(random, accounts: 600, changes: 5000));
        var full = StateTrie.FromState(flat.Entries);
        var store = TrieNodeStore.Of(full, byPath: true);
        // One opened on the store, and one built whole (a genesis) then handed the store.
        var opened = StateTrie.Open(store, full.Root, flat);
        var built = StateTrie.FromState(flat.Entries);
        built.UseNodeStore(store, flat);
        var set = new TrieNodeSet();
        var builtSet = new TrieNodeSet();
        foreach (var trie in new[] { opened, built })
        {
            trie.RecordsRemovals = true;
            trie.MarkAllPersisted();
        }
        long builtBefore = built.Resident().Bytes;
        for (int block = 0; block < 12; block++)
        {
            var changes = StateTrieTests.RandomChanges(random, accounts: 800, changes: random.Next(1, 200)).ToArray();
            flat.Apply(changes);
            full.Apply(changes);
            opened.Apply(changes);
            built.Apply(changes);
            var expected = full.ComputeRoot();
            // Nodes written every block (the opened trie), or at a checkpoint every third block (the built one).
            // Both tries load what they need before either writes this block's nodes: the shared store
            // must never be ahead of the trie reading it (a removal written this block would hide a node
            // the other trie still has to load).
            set.Clear();
            builtSet.Clear();
            Assert.True(expected == opened.ComputeRoot(random.Next(1, 4), set), $"seed {seed}, block {block}: the opened trie's root differs");
            bool checkpoint = block % 3 == 2;
            if (checkpoint)
                Assert.True(expected == built.ComputeRootForCheckpoint(random.Next(1, 4), builtSet), $"seed {seed}, block {block}: the built trie's root differs");
            else
                Assert.True(expected == built.ComputeRoot(random.Next(1, 4)), $"seed {seed}, block {block}: the built trie's root differs");
            store.Apply(set);
            opened.MarkAllPersisted();
            if (checkpoint) store.Apply(builtSet);

            long left = opened.Evict(0);
            var (residentBytes, nodes, accounts) = opened.Resident();
            Assert.Equal(residentBytes, left);
            Assert.True(accounts == 0 && nodes <= 1 + 16 + 256, $"seed {seed}, block {block}: {accounts} accounts and {nodes} nodes stay after evicting");
            long builtLeft = built.Evict(0);
            var (builtBytes, builtNodes, builtAccounts) = built.Resident();
            Assert.Equal(builtBytes, builtLeft);
            if (checkpoint) Assert.True(builtAccounts == 0 && builtNodes <= 1 + 16 + 256, $"seed {seed}, block {block}: {builtAccounts} accounts, {builtNodes} nodes stay after a checkpoint");
        }
        Assert.True(built.Resident().Bytes * 10 < builtBefore, $"seed {seed}: the built trie went from {builtBefore} to {built.Resident().Bytes} bytes");
        // Proofs still come out right from what was evicted.
        var address = Address.FromNumber(5, tag: 0);
        Assert.Equal(AccountProofJson.ToJson(full.GetProof(address, [new UInt256(1)])), AccountProofJson.ToJson(opened.GetProof(address, [new UInt256(1)])));
        Assert.Equal(AccountProofJson.ToJson(full.GetProof(address, [new UInt256(1)])), AccountProofJson.ToJson(built.GetProof(address, [new UInt256(1)])));
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Eviction_over_the_budget_keeps_what_the_last_blocks_wrote_and_drops_the_oldest_first(int seed)
    {
        var random = new Random(seed);
        var flat = new InMemoryState();
        for (ulong a = 0; a < 4000; a++) flat.Set(StateKey.Balance(Address.FromNumber(a)), new UInt256(a + 1));
        flat.Apply(StateTrieTests.RandomChanges(random, accounts: 300, changes: 3000)); // some with storage
        var (full, store, trie) = OpenedOnItsStore(flat);
        var set = new TrieNodeSet();
        // A block on both tries, its nodes written and persisted, as a store written every block does.
        void ApplyBlock(List<StateChange> changes, string block)
        {
            flat.Apply(changes);
            full.Apply(CollectionsMarshal.AsSpan(changes));
            trie.Apply(CollectionsMarshal.AsSpan(changes));
            set.Clear();
            Assert.True(full.ComputeRoot() == trie.ComputeRoot(random.Next(1, 3), set), $"seed {seed}, block {block}: roots differ");
            store.Apply(set);
            trie.MarkAllPersisted();
        }
        // Three blocks over accounts 0-2,999 (300 each), then one over 3,000-3,099: the last block's
        // paths are a small share of what is in memory.
        var order = Enumerable.Range(0, 3000).OrderBy(_ => random.Next()).ToArray();
        for (int block = 0; block < 4; block++)
        {
            var touched = block < 3 ? order.Skip(block * 300).Take(300) : Enumerable.Range(3000, 100);
            var changes = touched.Select(a => new StateChange(StateKey.Balance(Address.FromNumber((ulong)a)), new UInt256((ulong)random.Next(1, 1000)))).ToList();
            if (block < 3) changes.AddRange(StateTrieTests.RandomChanges(random, accounts: 300, changes: 100));
            ApplyBlock(changes, $"{block}");
        }
        long before = trie.Resident().Bytes;
        long after = trie.Evict(before - 1);
        Assert.True(after <= before / 2, $"seed {seed}: {before} bytes became {after}, over half the budget");
        Assert.Equal(trie.Resident().Bytes, after); // told from the walk before it, as a walk after it measures
        // The last block's paths stay in memory: proving its accounts reads nothing from the store.
        long reads = store.Reads;
        for (ulong a = 3000; a < 3100; a++) trie.GetProof(Address.FromNumber(a), []);
        Assert.True(store.Reads == reads, $"seed {seed}: proving the last block's accounts read {store.Reads - reads} nodes from the store");
        // The first block's were dropped: proving them loads their paths again.
        foreach (int a in order.Take(100)) trie.GetProof(Address.FromNumber((ulong)a), []);
        Assert.True(store.Reads - reads >= 100, $"seed {seed}: proving the first block's accounts read only {store.Reads - reads} nodes");
        // And the trie goes on with the roots of the one that never evicts.
        for (int block = 0; block < 5; block++)
        {
            ApplyBlock(StateTrieTests.RandomChanges(random, accounts: 4000, changes: 400), $"{block} after evicting");
            long evicted = trie.Evict(trie.Resident().Bytes * random.Next(0, 3) / 2); // a budget of none, half or all of it
            Assert.Equal(trie.Resident().Bytes, evicted);
        }
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Eviction_asks_before_dropping_only_when_the_walk_found_the_trie_over_its_budget(int seed)
    {
        var random = new Random(seed);
        var flat = new InMemoryState();
        flat.Apply(StateTrieTests.RandomChanges(random, accounts: 500, changes: 3000));
        var (full, store, trie) = OpenedOnItsStore(flat);
        var changes = StateTrieTests.RandomChanges(random, accounts: 500, changes: 400).ToArray();
        flat.Apply(changes);
        full.Apply(changes);
        trie.Apply(changes);
        var set = new TrieNodeSet();
        Assert.True(full.ComputeRoot() == trie.ComputeRoot(2, set), $"seed {seed}: roots differ");
        store.Apply(set);
        trie.MarkAllPersisted();

        int asked = 0;
        long resident = trie.Resident().Bytes;
        // Within the budget: nothing to drop, nothing asked (the caller's wait for durable nodes is skipped).
        Assert.Equal(resident, trie.Evict(resident, out long before, () => { asked++; return true; }));
        Assert.Equal(resident, before);
        Assert.Equal(0, asked);
        // Over it, but the caller says no (its checkpoint's commit failed): asked once, nothing dropped.
        Assert.Equal(resident, trie.Evict(0, out _, () => { asked++; return false; }));
        Assert.Equal(1, asked);
        Assert.Equal(resident, trie.Resident().Bytes);
        long reads = store.Reads;
        Assert.True(full.ComputeRoot() == trie.ComputeRoot(), $"seed {seed}: the root after a declined eviction");
        foreach (var (key, _) in changes) trie.GetProof(key.Address, []);
        Assert.True(store.Reads == reads, $"seed {seed}: a declined eviction dropped nodes ({store.Reads - reads} read again)");
        // Over it, and the caller says yes: asked once more, and dropped.
        long after = trie.Evict(0, out _, () => { asked++; return true; });
        Assert.Equal(2, asked);
        Assert.True(after < resident, $"seed {seed}: nothing dropped ({resident} bytes before, {after} after)");
        Assert.Equal(trie.Resident().Bytes, after);
        Assert.True(full.ComputeRoot() == trie.ComputeRoot(), $"seed {seed}: the root after the eviction");
    }

    // The trie of a flat state built whole, its nodes in a store by place, and a trie opened on that
    // store, recording removals, everything persisted.
    private static (StateTrie Full, TrieNodeStore Store, StateTrie Opened) OpenedOnItsStore(InMemoryState flat)
    {
        var full = StateTrie.FromState(flat.Entries);
        var store = TrieNodeStore.Of(full, byPath: true);
        var opened = StateTrie.Open(store, full.Root, flat);
        opened.RecordsRemovals = true;
        opened.MarkAllPersisted();
        return (full, store, opened);
    }

    [Fact]
    public void Eviction_refuses_without_a_store_or_with_pending_changes()
    {
        var flat = new InMemoryState();
        flat.Set(StateKey.Balance(Address.FromNumber(1)), new UInt256(3));
        var trie = StateTrie.FromState(flat.Entries);
        trie.MarkAllPersisted();
        Assert.Throws<InvalidOperationException>(() => trie.Evict(0));
        trie.UseNodeStore(TrieNodeStore.Of(trie, byPath: true), flat);
        trie.Apply([new StateChange(StateKey.Balance(Address.FromNumber(1)), new UInt256(4))]);
        Assert.Throws<InvalidOperationException>(() => trie.Evict(0));
        trie.ComputeRoot();
        Assert.True(trie.Evict(long.MaxValue) > 0); // within budget: nothing to do
    }
}
