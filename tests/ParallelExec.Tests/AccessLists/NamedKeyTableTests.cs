using ParallelExec.AccessLists;
using ParallelExec.State;

namespace ParallelExec.Tests.AccessLists;

/// <summary>The access-list view's key table: filled by many threads at once, every key found at its position, nothing else found.</summary>
public sealed class NamedKeyTableTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1_000, 4)]
    [InlineData(20_000, 8)]
    public void Keys_added_from_many_threads_are_found_at_their_positions(int count, int threads)
    {
        var names = new StateKey[count];
        for (int i = 0; i < count; i++)
            names[i] = (i % 3) switch
            {
                0 => StateKey.Balance(Address.FromNumber((ulong)i)),
                1 => StateKey.Nonce(Address.FromNumber((ulong)i)),
                _ => StateKey.Storage(Address.FromNumber(7), (ulong)i),
            };
        var table = new NamedKeyTable();
        for (int round = 0; round < 3; round++) // reused, as across blocks
        {
            table.Reset(count, Entries(names));
            int next = -1;
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                    Assert.True(table.TryAdd(i));
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());

            for (int i = 0; i < count; i++) Assert.Equal(i, table.Find(names[i]));
            Assert.Equal(-1, table.Find(StateKey.CodeHash(Address.FromNumber(1))));
            Assert.Equal(-1, table.Find(StateKey.Storage(Address.FromNumber(8), 0)));
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
