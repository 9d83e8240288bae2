using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

public class StateTrieTests
{
    public static IEnumerable<object[]> Seeds() => [[11], [12], [13], [Environment.TickCount & 0x7fffffff]];

    /// <summary>
    /// Random block changes over a pool of accounts: balances, nonces, code hashes, storage writes and
    /// storage clears (zero), including accounts that only have storage.
    /// </summary>
    internal static List<StateChange> RandomChanges(Random random, int accounts, int changes)
    {
        var result = new List<StateChange>();
        for (int i = 0; i < changes; i++)
        {
            var address = Address.FromNumber((ulong)random.Next(accounts), tag: (byte)(random.Next(8) == 0 ? 1 : 0));
            switch (random.Next(10))
            {
                case 0:
                case 1:
                case 2:
                    result.Add(new(StateKey.Balance(address), RandomWord(random)));
                    break;
                case 3:
                    result.Add(new(StateKey.Nonce(address), new UInt256((ulong)random.NextInt64())));
                    break;
                case 4:
                    result.Add(new(StateKey.CodeHash(address), random.Next(3) == 0 ? UInt256.Zero : RandomWord(random, full: true)));
                    break;
                default:
                {
                    // Slots from a small range so that writes often hit existing slots; a third clear them.
                    var slot = new UInt256((ulong)random.Next(40));
                    result.Add(new(StateKey.Storage(address, slot), random.Next(3) == 0 ? UInt256.Zero : RandomWord(random)));
                    break;
                }
            }
        }
        return result;
    }

    internal static UInt256 RandomWord(Random random, bool full = false)
    {
        int bytes = full ? 32 : random.Next(1, 33);
        var buffer = new byte[bytes];
        random.NextBytes(buffer);
        return UInt256.FromBigEndian(buffer);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Incremental_roots_equal_from_scratch_roots(int seed)
    {
        var random = new Random(seed);
        var flat = new InMemoryState();
        flat.Apply(RandomChanges(random, accounts: 2000, changes: 5000));
        var trie = StateTrie.FromState(flat.Entries);
        for (int block = 0; block < 5; block++)
        {
            var changes = RandomChanges(random, accounts: 2500, changes: random.Next(1, 400));
            flat.Apply(changes);
            trie.Apply(changes.ToArray());
            var incremental = trie.ComputeRoot();
            var scratch = StateTrie.FromState(flat.Entries).ComputeRoot();
            Assert.True(scratch == incremental, $"seed {seed}, block {block}: incremental {incremental} != from scratch {scratch}");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Parallel_roots_equal_single_threaded_roots(int seed)
    {
        var random = new Random(seed);
        var flat = new InMemoryState();
        flat.Apply(RandomChanges(random, accounts: 3000, changes: 8000));
        var single = StateTrie.FromState(flat.Entries, degreeOfParallelism: 1);
        var parallel = StateTrie.FromState(flat.Entries, degreeOfParallelism: 4);
        Assert.True(single.ComputeRoot() == parallel.ComputeRoot(4), $"seed {seed}: from-scratch roots differ");
        for (int block = 0; block < 3; block++)
        {
            var changes = RandomChanges(random, accounts: 3000, changes: 2000).ToArray();
            single.Apply(changes);
            parallel.Apply(changes);
            var a = single.ComputeRoot(1);
            var b = parallel.ComputeRoot(3);
            Assert.True(a == b, $"seed {seed}, block {block}: single-threaded {a} != parallel {b}");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plain_trie_incremental_and_parallel_roots_equal_a_fresh_build(int seed)
    {
        var random = new Random(seed);
        var trie = new MerklePatriciaTrie();
        var contents = new Dictionary<string, byte[]>();
        for (int round = 0; round < 6; round++)
        {
            for (int i = 0; i < 3000; i++)
            {
                // Half the keys from a tiny alphabet: long shared prefixes and keys that are prefixes of others.
                var key = new byte[random.Next(2) == 0 ? random.Next(1, 33) : random.Next(1, 6)];
                if (key.Length > 5) random.NextBytes(key);
                else for (int b = 0; b < key.Length; b++) key[b] = (byte)(random.Next(3) * 0x11);
                if (random.Next(3) == 0 && contents.Count > 0)
                {
                    var victim = contents.Keys.ElementAt(random.Next(contents.Count));
                    trie.Delete(Convert.FromHexString(victim));
                    contents.Remove(victim);
                    continue;
                }
                var value = new byte[random.Next(1, 50)];
                random.NextBytes(value);
                trie.Set(key, value);
                contents[Convert.ToHexString(key)] = value;
            }
            var incremental = trie.ComputeRoot(round % 2 == 0 ? 1 : 2);
            var fresh = new MerklePatriciaTrie();
            foreach (var (key, value) in contents.OrderBy(_ => random.Next())) fresh.Set(Convert.FromHexString(key), value);
            Assert.True(fresh.ComputeRoot(4) == incremental, $"seed {seed}, round {round}: incremental {incremental} != fresh {fresh.ComputeRoot()}");
            Assert.Equal(contents.Count, trie.Count);
        }
    }

    [Fact]
    public void Deleting_everything_returns_to_the_empty_root()
    {
        var random = new Random(5);
        var trie = new MerklePatriciaTrie();
        var keys = Enumerable.Range(0, 2000).Select(_ => { var k = new byte[random.Next(1, 6)]; random.NextBytes(k); return k; }).ToList();
        foreach (var key in keys) trie.Set(key, [1, 2, 3]);
        Assert.NotEqual(MerklePatriciaTrie.EmptyRoot, trie.ComputeRoot());
        foreach (var key in keys.OrderBy(_ => random.Next())) trie.Delete(key);
        Assert.Equal(MerklePatriciaTrie.EmptyRoot, trie.ComputeRoot());
        Assert.True(trie.IsEmpty);
        Assert.Equal(0, trie.Count);
    }

    [Fact]
    public void Empty_state_has_the_empty_root_and_zero_fields_make_an_account()
    {
        var trie = new StateTrie();
        Assert.Equal(MerklePatriciaTrie.EmptyRoot, trie.ComputeRoot());
        var address = Address.FromNumber(1);
        trie.Apply([new StateChange(StateKey.Storage(address, 1), UInt256.Zero)]); // clearing nothing creates nothing
        Assert.Equal(MerklePatriciaTrie.EmptyRoot, trie.ComputeRoot());
        trie.Apply([new StateChange(StateKey.Balance(address), UInt256.Zero)]);
        Assert.NotEqual(MerklePatriciaTrie.EmptyRoot, trie.ComputeRoot());
        Assert.Equal(1, trie.AccountCount);
    }

    [Fact]
    public void Wide_nonce_is_rejected_before_anything_changes()
    {
        var trie = new StateTrie();
        var address = Address.FromNumber(7);
        var error = Assert.Throws<ArgumentException>(() => trie.Apply([
            new StateChange(StateKey.Balance(address), UInt256.One),
            new StateChange(StateKey.Nonce(address), new UInt256(0, 1))]));
        Assert.Contains("nonce", error.Message);
        Assert.Equal(MerklePatriciaTrie.EmptyRoot, trie.ComputeRoot());
    }

    [Fact]
    public void Touching_a_few_accounts_rehashes_only_their_paths()
    {
        var flat = new InMemoryState();
        for (ulong i = 0; i < 20_000; i++) flat.Set(StateKey.Balance(Address.FromNumber(i)), new UInt256(i + 1));
        var trie = StateTrie.FromState(flat.Entries);
        long afterBuild = trie.HashCount;
        Assert.True(afterBuild > 20_000);
        var changes = Enumerable.Range(0, 10).Select(i => new StateChange(StateKey.Balance(Address.FromNumber((ulong)i * 1000)), UInt256.One)).ToArray();
        trie.Apply(changes);
        trie.ComputeRoot();
        long incremental = trie.HashCount - afterBuild;
        // 10 address hashes + at most ~5 nodes per path (depth of a 20k-leaf trie).
        Assert.InRange(incremental, 10, 10 + 10 * 6);
        Assert.Equal(trie.ComputeRoot(), trie.ComputeRoot()); // nothing dirty: no more hashing
        Assert.Equal(afterBuild + incremental, trie.HashCount);
    }
}
