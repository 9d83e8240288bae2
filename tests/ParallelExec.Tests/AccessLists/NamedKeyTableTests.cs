using ParallelExec.AccessLists;
using ParallelExec.State;

namespace ParallelExec.Tests.AccessLists;

/// <summary>
/// The access-list view's key table: its entries collected into buckets by many threads, its partitions
/// then put together by many threads, every key found at its position (an account's nonce and code hash
/// through its balance, as the view lays them out), nothing else found.
/// </summary>
public sealed class NamedKeyTableTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1_000, 4)]
    [InlineData(20_000, 8)]
    public void Keys_added_from_many_threads_are_found_at_their_positions(int accounts, int threads)
    {
        // The view's layout: per account its balance, nonce and code hash, then its slots (every other account has two).
        var names = new List<StateKey>();
        for (int a = 0; a < accounts; a++)
        {
            var address = Address.FromNumber((ulong)a + 1);
            names.AddRange([StateKey.Balance(address), StateKey.Nonce(address), StateKey.CodeHash(address)]);
            if (a % 2 == 0) names.AddRange([StateKey.Storage(address, (ulong)a), StateKey.Storage(address, (ulong)a + 1)]);
        }
        int count = names.Count;
        var table = new NamedKeyTable();
        for (int round = 0; round < 3; round++) // reused, as across blocks
        {
            table.Reset(count, Entries([.. names]));
            var buckets = Enumerable.Range(0, threads).Select(_ => new KeyBuckets()).ToArray();
            int next = -1;
            RunOnThreads(threads, worker =>
            {
                for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                    if (table.SlotValue(i, out int partition) is var value and not 0) buckets[worker].Add(partition, value);
            });
            int nextPartition = -1;
            RunOnThreads(threads, _ =>
            {
                for (int p = Interlocked.Increment(ref nextPartition); p < NamedKeyTable.Partitions; p = Interlocked.Increment(ref nextPartition))
                    foreach (var worker in buckets)
                        foreach (long value in worker.Of(p))
                            Assert.True(table.Insert(value, out _));
            });

            for (int i = 0; i < count; i++) Assert.Equal(i, table.Find(names[i]));
            Assert.Equal(-1, table.Find(StateKey.CodeHash(Address.FromNumber((ulong)accounts + 1))));
            Assert.Equal(-1, table.Find(StateKey.Storage(Address.FromNumber(1), 5_000_000)));
            Assert.Equal(-1, table.Find(StateKey.Storage(Address.FromNumber(2), 1))); // an account without slots
        }
    }

    [Fact]
    public void A_key_named_twice_is_refused()
    {
        var key = StateKey.Balance(Address.FromNumber(5));
        var names = new[] { key, StateKey.Nonce(Address.FromNumber(5)), key };
        var table = new NamedKeyTable();
        table.Reset(names.Length, Entries(names));
        long balance = table.SlotValue(0, out int partition);
        Assert.NotEqual(0, balance);
        Assert.Equal(0, table.SlotValue(1, out _)); // a nonce takes no slot
        long again = table.SlotValue(2, out int samePartition);
        Assert.Equal(partition, samePartition);
        Assert.True(table.Insert(balance, out _));
        Assert.False(table.Insert(again, out int other));
        Assert.Equal(0, other);
        Assert.Equal(0, table.Find(key));
    }

    /// <summary>
    /// Keys that all fall in one partition (chosen by their hash in this process: hashes are seeded per
    /// process): far more than a small table's partition holds, yet once the table is reserved for the
    /// largest bucket every key is inserted, found, and a key of that partition not inserted is missed
    /// (a probe run ends).
    /// </summary>
    [Fact]
    public void Keys_crowding_one_partition_fit_once_the_table_is_reserved()
    {
        var candidates = Enumerable.Range(0, 100_000).Select(i => StateKey.Storage(Address.FromNumber(7), (ulong)i)).ToArray();
        var probe = new NamedKeyTable();
        probe.Reset(candidates.Length, Entries(candidates));
        var crowd = new List<StateKey>();
        for (int i = 0; i < candidates.Length && crowd.Count < 301; i++)
            if (probe.SlotValue(i, out int p) != 0 && p == 0) crowd.Add(candidates[i]);
        Assert.Equal(301, crowd.Count);
        var absent = crowd[300];
        crowd.RemoveAt(300);

        var table = new NamedKeyTable();
        table.Reset(crowd.Count, Entries([.. crowd])); // 1,024 slots: 16 a partition
        var bucket = new KeyBuckets();
        for (int i = 0; i < crowd.Count; i++)
        {
            long value = table.SlotValue(i, out int partition);
            Assert.Equal(0, partition);
            bucket.Add(partition, value);
        }
        table.Reserve(bucket.Count(0));
        foreach (long value in bucket.Of(0)) Assert.True(table.Insert(value, out _));
        for (int i = 0; i < crowd.Count; i++) Assert.Equal(i, table.Find(crowd[i]));
        Assert.Equal(-1, table.Find(absent));
    }

    private static void RunOnThreads(int threads, Action<int> body)
    {
        var workers = Enumerable.Range(0, threads).Select(w => new Thread(() => body(w))).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
    }

    private static ListedKey[] Entries(StateKey[] names) => Array.ConvertAll(names, name => new ListedKey { Name = name });
}
