using ParallelExec.State;
using ParallelExec.Storage.RocksDb;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// The RocksDB store keeps an account's nonce, balance and code hash in one record. Through the store's
/// interface they still read, commit, journal and revert as separate keys: checked against the
/// in-memory store (one key per field) on random commits and reverts, with the values a block read
/// given in full, in part or not at all (the store then reads the records it rewrites), fields that
/// exist with value zero and fields that never existed.
/// </summary>
public class AccountRecordTests
{
    private static readonly StateKeyKind[] Fields = [StateKeyKind.Nonce, StateKeyKind.Balance, StateKeyKind.CodeHash];

    /// <summary>
    /// <paramref name="cache"/>: 0, none; 1, a table of one set that reads fill (four records for 40
    /// accounts: nearly every read and commit evicts); 2, the whole flat state read into a table
    /// (<see cref="RocksDbStateStore.WarmAccountCache"/>) after the genesis and each reopen.
    /// </summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(3, 0)]
    [InlineData(4, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    public void Fields_kept_in_one_record_behave_as_separate_keys_through_commits_reverts_and_reopens(int seed, int cache)
    {
        var random = new Random(seed);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        var reference = new InMemoryStateStore(journalRetention: 8);
        var rocks = OpenRocks(path, retention: 8);
        try
        {
            var genesis = new Dictionary<StateKey, UInt256>();
            for (int a = 0; a < 30; a++)
            {
                foreach (var kind in Fields)
                {
                    if (random.Next(3) > 0) genesis[Key(a, kind)] = Value(random);
                }
                if (random.Next(4) == 0) genesis[StateKey.Storage(Address.FromNumber((ulong)a), new UInt256((ulong)random.Next(4)))] = Value(random);
            }
            reference.Initialize(genesis, new StoredBlock(0, default, default));
            rocks.Initialize(genesis, new StoredBlock(0, default, default));
            KeepCache(rocks, cache);
            long hits = 0;
            long head = 0;
            for (int step = 0; step < 60; step++)
            {
                if (step % 7 == 6 && reference.RevertibleBlocks > 0)
                {
                    int blocks = 1 + random.Next(Math.Min(3, reference.RevertibleBlocks));
                    head = reference.Revert(blocks).Number;
                    Assert.Equal(head, rocks.Revert(blocks).Number);
                }
                else
                {
                    head++;
                    var changes = RandomChanges(random);
                    var seen = SeenBy(reference, changes, random.Next(3), random);
                    reference.Commit(new StoredBlock(head, default, default), changes);
                    rocks.Commit(new StoredBlock(head, default, default), changes, null, seen);
                }
                if (step % 20 == 19)
                {
                    hits += rocks.AccountCacheHits;
                    rocks.Dispose();
                    rocks = OpenRocks(path, retention: 8, create: false);
                    KeepCache(rocks, cache);
                }
                AssertSameState(reference, rocks, $"seed {seed}, step {step}");
            }
            hits += rocks.AccountCacheHits;
            if (cache == 0) Assert.Equal(0, hits);
            else Assert.True(hits > (cache == 1 ? 100 : 1_000), $"seed {seed}: {hits} account reads answered from the cache");
        }
        finally
        {
            rocks.Dispose();
        }
    }

    [Fact]
    public void A_genesis_out_of_order_or_with_an_account_split_across_write_batches_is_stored_whole()
    {
        // More entries than one write batch of the import takes (100,000), with an odd one at the front so
        // an account's nonce ends a batch and its balance starts the next; and the same reversed.
        var entries = new List<KeyValuePair<StateKey, UInt256>> { new(StateKey.Storage(Address.FromNumber(0), UInt256.One), new UInt256(9)) };
        for (ulong a = 1; a <= 60_000; a++)
        {
            entries.Add(new(StateKey.Nonce(Address.FromNumber(a)), new UInt256(a)));
            entries.Add(new(StateKey.Balance(Address.FromNumber(a)), new UInt256(a * 3)));
        }
        entries.Sort((x, y) => x.Key.CompareTo(y.Key));
        foreach (var genesis in new[] { entries, Enumerable.Reverse(entries).ToList() })
        {
            using var dir = new TempDir();
            using var rocks = OpenRocks(dir.Sub("db"));
            rocks.Initialize(genesis, new StoredBlock(0, default, default));
            Assert.Equal(entries, rocks.Entries().ToList());
        }
    }

    [Fact]
    public void A_malformed_account_record_is_reported_as_corrupt_in_one_line()
    {
        using var dir = new TempDir();
        var path = dir.Sub("db");
        var account = Address.FromNumber(5);
        using (var rocks = OpenRocks(path))
        {
            rocks.Initialize([new(StateKey.Balance(account), UInt256.One)], new StoredBlock(0, default, default));
        }
        using (var raw = RawDatabase.Open(path))
        {
            // Presence says nonce and balance, but only the nonce follows.
            raw.Db.Put(account.ToArray(), new byte[] { 3, 1, 7 }, raw.Family("state"));
        }
        using var store = OpenRocks(path, create: false);
        var read = Assert.Throws<StateStoreException>(() => store.TryGet(StateKey.Nonce(account), out _));
        Assert.Equal(StateStoreError.Corrupt, read.Error);
        Assert.Contains($"the record of account {account} is malformed", read.Message);
        Assert.DoesNotContain('\n', read.Message);
        var batched = Assert.Throws<StateStoreException>(() => store.TryGetMany([StateKey.Balance(account)], new UInt256[1], new bool[1]));
        Assert.Equal(StateStoreError.Corrupt, batched.Error);
        Assert.Equal(StateStoreError.Corrupt, Assert.Throws<StateStoreException>(() => store.Entries().ToList()).Error);
    }

    private static void KeepCache(RocksDbStateStore rocks, int cache)
    {
        if (cache == 1) rocks.KeepAccountCache(AccountRecordCache.Ways * AccountRecordCache.BytesPerWay);
        if (cache == 2) Assert.True(rocks.WarmAccountCache(1 << 20, out long accounts) > 0 && accounts > 20, "the accounts were read into the cache");
    }

    private static StateKey Key(int account, StateKeyKind kind) => StateKey.Create(Address.FromNumber((ulong)account), kind, default);

    // Zero now and then: a field that exists with value zero is not an absent one.
    private static UInt256 Value(Random random) => random.Next(5) == 0 ? default : new UInt256((ulong)random.NextInt64(1, long.MaxValue));

    /// <summary>Changes to random fields of random accounts (some new), and now and then a slot.</summary>
    private static StateChange[] RandomChanges(Random random)
    {
        var changes = new Dictionary<StateKey, UInt256>();
        int count = 1 + random.Next(12);
        for (int i = 0; i < count; i++)
        {
            var key = random.Next(6) == 0
                ? StateKey.Storage(Address.FromNumber((ulong)random.Next(40)), new UInt256((ulong)random.Next(4)))
                : Key(random.Next(40), Fields[random.Next(3)]);
            changes[key] = Value(random);
        }
        return changes.Select(c => new StateChange(c.Key, c.Value)).OrderBy(_ => random.Next()).ToArray();
    }

    /// <summary>
    /// What a block that made <paramref name="changes"/> read, as the recording reader gives it: the
    /// values before the block of nothing (0), of the changed keys (1), or of the changed keys and every
    /// field of their accounts (2, what a whole-account prefetch reads), each kept with a chance of 3 in 4.
    /// </summary>
    private static Dictionary<StateKey, (bool Existed, UInt256 Value)>? SeenBy(IStateStore before, StateChange[] changes, int extent, Random random)
    {
        if (extent == 0) return null;
        var seen = new Dictionary<StateKey, (bool, UInt256)>();
        foreach (var change in changes)
        {
            var keys = extent == 2 && change.Key.Kind != StateKeyKind.Storage
                ? Fields.Select(kind => StateKey.Create(change.Key.Address, kind, default))
                : [change.Key];
            foreach (var key in keys)
            {
                if (random.Next(4) == 0) continue;
                bool existed = before.TryGet(key, out var value);
                seen[key] = (existed, value);
            }
        }
        return seen;
    }

    private static void AssertSameState(IStateStore expected, RocksDbStateStore actual, string at)
    {
        var entries = expected.Entries().OrderBy(e => e.Key).ToList();
        Assert.True(entries.SequenceEqual(actual.Entries()), $"{at}: the flat states differ");
        var keys = new List<StateKey>();
        for (int a = 0; a < 40; a++) keys.AddRange(Fields.Select(kind => Key(a, kind)));
        var values = new UInt256[keys.Count];
        var found = new bool[keys.Count];
        actual.TryGetMany(keys.ToArray(), values, found);
        for (int i = 0; i < keys.Count; i++)
        {
            bool exists = expected.TryGet(keys[i], out var value);
            Assert.True(exists == found[i] && value == values[i], $"{at}: {keys[i]} read in a batch");
            Assert.True(actual.TryGet(keys[i], out var single) == exists && single == value, $"{at}: {keys[i]} read alone");
        }
    }
}
