using ParallelExec.AccessLists;
using ParallelExec.State;

namespace ParallelExec.Tests.AccessLists;

/// <summary>
/// The access-list view's key table: filled by many threads at once, every key found at its position
/// (an account's nonce and code hash through its balance, as the view lays them out), nothing else found.
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
            int next = -1;
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                    Assert.True(table.TryAdd(i));
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());

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
        Assert.True(table.TryAdd(0));
        Assert.True(table.TryAdd(1));
        Assert.False(table.TryAdd(2));
        Assert.Equal(0, table.Find(key));
    }

    private static ListedKey[] Entries(StateKey[] names) => Array.ConvertAll(names, name => new ListedKey { Name = name });
}
