using System.Text.Json;
using ParallelExec.State;
using ParallelExec.Testing;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// <see cref="StateTrie.Open"/> (nothing read until a block touches an account) against
/// <see cref="StateTrie.FromState"/> (the whole state in memory) over random blocks: equal roots after
/// every block, equal proofs, exact place-keyed stores. Every assertion names its seed.
/// </summary>
public class LazyStateTrieTests
{
    /// <summary>A block of random changes, and a few accounts emptied (fields removed, slots cleared), applied to the flat state and to each trie.</summary>
    private static void ApplyBlock(Random random, InMemoryState flat, params StateTrie[] tries)
    {
        var changes = StateTrieTests.RandomChanges(random, accounts: 700, changes: random.Next(1, 80));
        flat.Apply(changes);
        foreach (var trie in tries) trie.Apply(changes.ToArray());
        for (int i = 0; i < random.Next(0, 3); i++)
        {
            var address = Address.FromNumber((ulong)random.Next(700), tag: 0);
            var clears = Enumerable.Range(0, 40).Select(s => new StateChange(StateKey.Storage(address, new UInt256((ulong)s)), UInt256.Zero)).ToArray();
            flat.Apply(clears);
            foreach (var trie in tries)
            {
                trie.RemoveAccountFields(address);
                trie.Apply(clears);
            }
        }
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void An_opened_state_trie_follows_the_whole_one_block_by_block(int seed)
    {
        var random = new Random(seed);
        var (flat, full) = RandomState(random, accounts: 500, changes: 4000);
        var byPath = TrieNodeStore.Of(full, byPath: true);
        var byHash = TrieNodeStore.Of(full, byPath: false);
        var lazyByPath = StateTrie.Open(byPath, full.Root, flat);
        var lazyByHash = StateTrie.Open(byHash, full.Root, flat);
        Assert.Equal(0, byPath.Reads); // opening reads nothing
        Assert.Equal(full.Root, lazyByPath.ComputeRoot());
        for (int block = 0; block < 10; block++)
        {
            ApplyBlock(random, flat, full, lazyByPath, lazyByHash);
            int dop = random.Next(1, 4);
            var expected = full.ComputeRoot(dop);
            Assert.True(expected == lazyByPath.ComputeRoot(dop), $"seed {seed}, block {block}: root of the state trie opened on a path-keyed store differs");
            Assert.True(expected == lazyByHash.ComputeRoot(dop, new TrieNodeSet()), $"seed {seed}, block {block}: root of the state trie opened on a hash-keyed store differs");
        }
        // The lazy path ran: accounts and nodes were loaded, not all of them.
        Assert.InRange(lazyByPath.LoadedAccountCount, 1, full.AccountCount - 1);
        Assert.InRange(lazyByPath.LoadedNodeCount, 10, byPath.Count - 1);
        Assert.Equal(byPath.Reads, lazyByPath.LoadedNodeCount);
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Large_blocks_load_their_accounts_on_several_threads_and_give_the_whole_tries_roots(int seed)
    {
        // Blocks touching hundreds of accounts not in memory: Apply loads them on four threads, one
        // subtrie each, before it applies the changes (accounts with storage, new accounts and
        // emptied ones among them).
        var random = new Random(seed);
        var (flat, full) = RandomState(random, accounts: 3000, changes: 12_000);
        var store = TrieNodeStore.Of(full, byPath: true);
        var lazy = StateTrie.Open(store, full.Root, flat);
        for (int block = 0; block < 6; block++)
        {
            var changes = StateTrieTests.RandomChanges(random, accounts: 3500, changes: 2000).ToArray();
            flat.Apply(changes);
            full.Apply(changes);
            lazy.Apply(changes, degreeOfParallelism: 4);
            Assert.True(full.ComputeRoot() == lazy.ComputeRoot(2), $"seed {seed}, block {block}: the root after a parallel load differs from the whole trie's");
        }
        Assert.InRange(lazy.LoadedNodeCount, 10, store.Count - 1);
        Assert.True(lazy.ParallelLoads >= 2, $"seed {seed}: {lazy.ParallelLoads} parallel loading passes");
        // The passes read the cold nodes in batches, each node once (the reads are all the trie loaded).
        Assert.True(lazy.BatchedNodeLoads > 100 && store.BatchedCalls > 0, $"seed {seed}: {lazy.BatchedNodeLoads} nodes loaded in {store.BatchedCalls} batches");
        Assert.Equal(store.Reads, lazy.LoadedNodeCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_node_lost_or_altered_under_a_batched_load_fails_the_block_as_a_single_load_does(bool altered)
    {
        // An account-trie branch two levels down is gone from the store, or comes back with other
        // bytes: the batched pass leaves it unresolved and the walk that reaches it reports it.
        var random = new Random(41);
        var (flat, full) = RandomState(random, accounts: 3000, changes: 12_000);
        var store = TrieNodeStore.Of(full, byPath: true);
        byte[] lostPath = [3, 7];
        if (altered) store.Tamper = (owner, path) => owner.Length == 0 && path.AsSpan().SequenceEqual(lostPath) ? [0xc2, 0x80, 0x80] : null;
        else Assert.True(store.Remove([], lostPath, default));
        var lazy = StateTrie.Open(store, full.Root, flat);
        var changes = StateTrieTests.RandomChanges(random, accounts: 3500, changes: 2000).ToArray();
        var error = Assert.Throws<MissingTrieNodeException>(() => lazy.Apply(changes, degreeOfParallelism: 4));
        Assert.Contains("path '37' of the account trie", error.Message);
        Assert.Contains(altered ? "was returned with bytes of another hash" : "is not in the node source", error.Message);
        Assert.True(lazy.BatchedNodeLoads > 0, "the block's cold nodes were not loaded in batches");
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Leaves_built_from_the_values_before_a_block_replace_their_reads_and_give_the_whole_tries_roots(int seed)
    {
        // Two tries opened on equal stores, one told what each block's accounts held before it: some
        // of those values wrong (a balance), some fields not there (taken as absent), accounts with storage
        // (whose leaves the values cannot build) among them. The told trie reads exactly the leaves it
        // could not build, and every root is the whole trie's.
        var random = new Random(seed);
        var (flat, full) = RandomState(random, accounts: 3000, changes: 12_000);
        var toldStore = TrieNodeStore.Of(full, byPath: true);
        var plainStore = TrieNodeStore.Of(full, byPath: true);
        var told = StateTrie.Open(toldStore, full.Root, flat);
        var plain = StateTrie.Open(plainStore, full.Root, flat);
        for (int block = 0; block < 6; block++)
        {
            var changes = StateTrieTests.RandomChanges(random, accounts: 3500, changes: 2000).ToArray();
            var before = ValuesBefore(flat, changes, random);
            flat.Apply(changes);
            full.Apply(changes);
            int dop = block % 2 == 0 ? 4 : 1; // parallel loading passes, and accounts loaded one by one
            plain.Apply(changes, dop);
            told.Apply(changes, dop, before);
            var expected = full.ComputeRoot();
            Assert.True(expected == told.ComputeRoot(2), $"seed {seed}, block {block}: the root with leaves built from the values before differs from the whole trie's");
            Assert.True(expected == plain.ComputeRoot(2), $"seed {seed}, block {block}: the root of the trie loading every leaf differs");
        }
        Assert.True(told.BuiltLeafCount > 100, $"seed {seed}: only {told.BuiltLeafCount} leaves built");
        Assert.True(told.BuiltLeafCount < told.LoadedAccountCount, $"seed {seed}: {told.BuiltLeafCount} leaves built of {told.LoadedAccountCount} accounts loaded, though some values were wrong or unknown");
        Assert.True(toldStore.Reads + told.BuiltLeafCount == plainStore.Reads,
            $"seed {seed}: {toldStore.Reads} reads and {told.BuiltLeafCount} built leaves against {plainStore.Reads} reads without the values");
        Assert.Equal(toldStore.Reads, told.LoadedNodeCount);
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Many_slot_changes_load_their_storage_tries_in_batches_and_give_the_whole_tries_roots(int seed)
    {
        // Contracts holding 6,000, 300 and 40 slots: each block sets, adds and clears hundreds of the
        // first's slots (its trie split under its root's children on four threads, or one group on
        // one), about a hundred of the second's (one batched group) and a few of the third's (loaded
        // as met). One trie is told the slots' values before each block (a tenth of them wrong, a
        // tenth not told), the other not: both give the whole trie's roots, each reads every node
        // once, and the told one reads exactly the leaves it could not build.
        var random = new Random(seed);
        var contracts = new[] { (Address.FromNumber(1, tag: 0x55), 6000), (Address.FromNumber(2, tag: 0x55), 300), (Address.FromNumber(3, tag: 0x55), 40) };
        var flat = new InMemoryState();
        flat.Apply(StateTrieTests.RandomChanges(random, accounts: 500, changes: 2000));
        foreach (var (contract, slots) in contracts)
        {
            flat.Set(StateKey.Balance(contract), new UInt256(1));
            for (int s = 0; s < slots; s++) flat.Set(StateKey.Storage(contract, new UInt256((ulong)s)), new UInt256((ulong)random.NextInt64(1, long.MaxValue)));
        }
        var full = StateTrie.FromState(flat.Entries);
        var toldStore = TrieNodeStore.Of(full, byPath: true);
        var plainStore = TrieNodeStore.Of(full, byPath: true);
        var told = StateTrie.Open(toldStore, full.Root, flat);
        var plain = StateTrie.Open(plainStore, full.Root, flat);
        for (int block = 0; block < 6; block++)
        {
            var changes = new List<StateChange>(StateTrieTests.RandomChanges(random, accounts: 500, changes: 50));
            foreach (var (contract, slots, touched) in new[] { (contracts[0].Item1, 6000, 700), (contracts[1].Item1, 300, 100), (contracts[2].Item1, 40, 5) })
            {
                foreach (int s in Enumerable.Range(0, touched).Select(_ => random.Next(slots + slots / 10)).Distinct())
                {
                    var value = random.Next(8) == 0 ? UInt256.Zero : new UInt256((ulong)random.NextInt64(1, long.MaxValue)); // an eighth cleared; some slots new
                    changes.Add(new StateChange(StateKey.Storage(contract, new UInt256((ulong)s)), value));
                }
            }
            var array = changes.ToArray();
            var before = new Dictionary<StateKey, (bool Existed, UInt256 Value)>();
            foreach (var change in array)
            {
                int fate = random.Next(10);
                if (change.Key.Kind != StateKeyKind.Storage || fate == 0) continue; // not told
                bool existed = flat.TryGet(change.Key, out var value);
                before[change.Key] = (existed, fate == 1 ? value + UInt256.One : value); // a tenth wrong
            }
            flat.Apply(array);
            full.Apply(array);
            int dop = block % 2 == 0 ? 4 : 1;
            plain.Apply(array, dop);
            told.Apply(array, dop, before);
            var expected = full.ComputeRoot();
            Assert.True(expected == told.ComputeRoot(2), $"seed {seed}, block {block}: the root with slot leaves built from the values before differs from the whole trie's");
            Assert.True(expected == plain.ComputeRoot(2), $"seed {seed}, block {block}: the root after batched slot loads differs from the whole trie's");
        }
        Assert.True(plain.BatchedSlotNodeLoads > 500 && told.BatchedSlotNodeLoads > 100, $"seed {seed}: {plain.BatchedSlotNodeLoads} / {told.BatchedSlotNodeLoads} storage nodes loaded in batches");
        Assert.True(told.BuiltSlotLeafCount > 500, $"seed {seed}: only {told.BuiltSlotLeafCount} slot leaves built");
        Assert.Equal(0, plain.BuiltSlotLeafCount);
        // The trie's memory estimate counts what the built leaves hold (no store read counted it).
        Assert.True(told.BuiltLeafBytes >= 30 * told.BuiltSlotLeafCount, $"seed {seed}: {told.BuiltLeafBytes} bytes counted for {told.BuiltSlotLeafCount} built slot leaves");
        Assert.Equal(plainStore.Reads, plain.LoadedNodeCount);
        Assert.Equal(toldStore.Reads, told.LoadedNodeCount);
        Assert.True(toldStore.Reads + told.BuiltSlotLeafCount + told.BuiltLeafCount == plainStore.Reads + plain.BuiltLeafCount,
            $"seed {seed}: {toldStore.Reads} reads and {told.BuiltSlotLeafCount} built slot leaves against {plainStore.Reads} reads without the values");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_storage_node_lost_or_altered_under_a_batched_load_fails_the_block_and_names_the_storage_trie(bool altered)
    {
        var contract = Address.FromNumber(1, tag: 0x55);
        var flat = new InMemoryState();
        flat.Set(StateKey.Balance(contract), new UInt256(1));
        for (int s = 0; s < 5000; s++) flat.Set(StateKey.Storage(contract, new UInt256((ulong)s)), new UInt256((ulong)s + 1));
        var full = StateTrie.FromState(flat.Entries);
        var store = TrieNodeStore.Of(full, byPath: true);
        var owner = ParallelExec.Crypto.Keccak256.Compute(contract.ToArray()).ToArray();
        byte[] lostPath = [3, 7];
        if (altered) store.Tamper = (o, path) => o.Length > 0 && path.AsSpan().SequenceEqual(lostPath) ? [0xc2, 0x80, 0x80] : null;
        else Assert.True(store.Remove(owner, lostPath, default));
        var lazy = StateTrie.Open(store, full.Root, flat);
        var changes = Enumerable.Range(0, 2000).Select(s => new StateChange(StateKey.Storage(contract, new UInt256((ulong)s)), new UInt256(7))).ToArray();
        var error = Assert.Throws<MissingTrieNodeException>(() => lazy.Apply(changes, degreeOfParallelism: 4));
        Assert.Contains($"path '37' of the storage trie of 0x{Convert.ToHexStringLower(owner)}", error.Message);
        Assert.Contains(altered ? "was returned with bytes of another hash" : "is not in the node source", error.Message);
        Assert.True(lazy.BatchedSlotNodeLoads > 0, "the block's cold storage nodes were not loaded in batches");
    }

    // A random flat state and the whole state trie over it.
    private static (InMemoryState Flat, StateTrie Full) RandomState(Random random, int accounts, int changes)
    {
        var flat = new InMemoryState();
        flat.Apply(StateTrieTests.RandomChanges(random, accounts, changes));
        return (flat, StateTrie.FromState(flat.Entries));
    }

    // What the flat state held for the accounts of changes, field by field, as a block's reads give it:
    // a tenth of the accounts with a wrong balance, a tenth without their code hash.
    private static Dictionary<StateKey, (bool Existed, UInt256 Value)> ValuesBefore(InMemoryState flat, StateChange[] changes, Random random)
    {
        var before = new Dictionary<StateKey, (bool, UInt256)>();
        foreach (var address in changes.Select(c => c.Key.Address).Distinct())
        {
            int fate = random.Next(10);
            foreach (var key in new[] { StateKey.Nonce(address), StateKey.Balance(address), StateKey.CodeHash(address) })
            {
                bool existed = flat.TryGet(key, out var value);
                if (fate == 0 && key.Kind == StateKeyKind.Balance) value = value.IsZero ? UInt256.One : UInt256.Zero;
                if (fate == 1 && key.Kind == StateKeyKind.CodeHash) continue;
                before[key] = (existed, value);
            }
        }
        return before;
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Proofs_from_an_opened_state_trie_are_those_of_the_whole_one_and_verify_in_ethereumjs(int seed)
    {
        var random = new Random(seed);
        var (flat, full) = RandomState(random, accounts: 300, changes: 3000);
        var store = TrieNodeStore.Of(full, byPath: true);
        var lazy = StateTrie.Open(store, full.Root, flat);
        ApplyBlock(random, flat, full, lazy);
        Assert.Equal(full.ComputeRoot(), lazy.ComputeRoot());
        var proofs = new List<string>();
        // Slots present in the state (of accounts with storage), then random accounts and slots, then absent accounts.
        var present = flat.Entries.Where(e => e.Key.Kind == StateKeyKind.Storage && !e.Value.IsZero).Select(e => e.Key)
            .OrderBy(k => k.Address.ToString()).ThenBy(k => k.Slot.ToString()).Take(4).ToList();
        Assert.NotEmpty(present);
        for (int i = 0; i < 12; i++)
        {
            var address = i < present.Count ? present[i].Address : Address.FromNumber((ulong)random.Next(i < 10 ? 300 : 100_000), tag: (byte)(i % 5 == 0 ? 1 : 0));
            UInt256[] slots = [i < present.Count ? present[i].Slot : new UInt256((ulong)random.Next(40)), new UInt256((ulong)random.Next(40)), new UInt256(1_000_000)];
            var expected = AccountProofJson.ToJson(full.GetProof(address, slots));
            var actual = AccountProofJson.ToJson(lazy.GetProof(address, slots));
            Assert.True(expected == actual, $"seed {seed}: proof of {address} differs\n expected {expected}\n actual   {actual}");
            proofs.Add(actual);
        }
        var verdict = MptReference.VerifyProofs(full.Root.ToString(), "[" + string.Join(",", proofs) + "]");
        foreach (var result in verdict.EnumerateArray()) Assert.False(result.TryGetProperty("error", out var error), $"seed {seed}: ethereumjs rejects a proof: {error}");
        Assert.Contains(verdict.EnumerateArray(), r => r.GetProperty("account").ValueKind == JsonValueKind.Null);
        Assert.Contains(verdict.EnumerateArray(), r => r.GetProperty("storage").EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Null));
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void An_opened_state_trie_keeps_its_place_keyed_store_exact_and_reopens_from_it(int seed)
    {
        var random = new Random(seed);
        var (flat, full) = RandomState(random, accounts: 500, changes: 4000);
        var store = TrieNodeStore.Of(full, byPath: true);
        var lazy = StateTrie.Open(store, full.Root, flat);
        lazy.RecordsRemovals = true;
        var set = new TrieNodeSet();
        for (int block = 0; block < 8; block++)
        {
            ApplyBlock(random, flat, full, lazy);
            set.Clear();
            var root = lazy.ComputeRoot(random.Next(1, 4), set);
            Assert.True(full.ComputeRoot() == root, $"seed {seed}, block {block}: roots differ");
            store.Apply(set);
            var current = TrieNodeStore.Of(full, byPath: true);
            Assert.True(current.Count == store.Count, $"seed {seed}, block {block}: the store holds {store.Count} nodes, the trie {current.Count}");
            // Reopened on that store, the state is the same.
            var reopened = StateTrie.Open(store, root, flat);
            var address = Address.FromNumber((ulong)random.Next(700), tag: 0);
            Assert.Equal(AccountProofJson.ToJson(full.GetProof(address, [new UInt256(3)])), AccountProofJson.ToJson(reopened.GetProof(address, [new UInt256(3)])));
        }
    }

    [Fact]
    public void A_storage_node_missing_from_the_store_fails_the_block_and_names_the_storage_trie()
    {
        var random = new Random(31);
        var flat = new InMemoryState();
        var contract = Address.FromNumber(7, tag: 0);
        for (int s = 0; s < 200; s++) flat.Set(StateKey.Storage(contract, new UInt256((ulong)s)), new UInt256((ulong)s + 1_000_000_000_000));
        flat.Set(StateKey.Balance(contract), new UInt256(5));
        var full = StateTrie.FromState(flat.Entries);
        var store = new TrieNodeStore(byPath: true);
        string? lost = null;
        foreach (var node in full.ExportAllNodes())
        {
            // Lose every node of the storage trie below its root.
            if (!node.Owner.IsEmpty && node.Path.Length > 0)
            {
                lost = Convert.ToHexStringLower(node.Owner.Span);
                continue;
            }
            store.Put(node.Owner.Span, node.Path.Span, node.Hash, node.Rlp.ToArray());
        }
        Assert.NotNull(lost);
        var lazy = StateTrie.Open(store, full.Root, flat);
        // A balance change loads the account, not its storage.
        lazy.Apply([new StateChange(StateKey.Balance(contract), new UInt256(6))]);
        var error = Assert.Throws<MissingTrieNodeException>(() => lazy.Apply([new StateChange(StateKey.Storage(contract, new UInt256(3)), UInt256.Zero)]));
        Assert.Contains($"of the storage trie of 0x{lost}", error.Message);
        Assert.Contains("is not in the node source", error.Message);
    }
}
