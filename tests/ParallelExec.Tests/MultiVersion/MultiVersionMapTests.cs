using ParallelExec.Execution;
using ParallelExec.MultiVersion;
using ParallelExec.State;

namespace ParallelExec.Tests.MultiVersion;

public sealed class MultiVersionMapTests
{
    private static readonly Address Contract = Address.FromNumber(3, tag: 0xC0);
    private static readonly StateKey K = StateKey.Storage(Contract, 1);
    private static readonly StateKey L = StateKey.Storage(Contract, 2);
    private static readonly StateKey Missing = StateKey.Storage(Contract, 99);

    private static (bool Ok, UInt256 Value, int Source) Read(MultiVersionMap map, in StateKey key, int tx)
    {
        bool ok = map.TryRead(key, tx, out var value, out int source);
        return (ok, value, source);
    }

    private static TxOutput Writes(params (StateKey Key, ulong Value, bool IsDelta)[] writes)
    {
        var output = new TxOutput();
        output.Reset();
        foreach (var (key, value, isDelta) in writes) output.AddWrite(key, value, isDelta);
        return output;
    }

    private static (MultiVersionMap Map, InMemoryState State) NewMap()
    {
        var state = new InMemoryState();
        state.Set(K, 10);
        state.Set(L, 20);
        var map = new MultiVersionMap();
        map.Reset(state, 8);
        return (map, state);
    }

    [Fact]
    public void Without_versions_reads_fall_back_to_the_starting_state()
    {
        var (map, _) = NewMap();
        Assert.Equal((true, new UInt256(10), -1), Read(map, K, 5));
        Assert.Equal((true, UInt256.Zero, -1), Read(map, Missing, 5));
    }

    [Fact]
    public void Published_writes_are_seen_only_by_later_transactions()
    {
        var (map, _) = NewMap();
        map.Publish(2, Writes((K, 77, false)));
        Assert.Equal((true, new UInt256(10), -1), Read(map, K, 0));
        Assert.Equal((true, new UInt256(10), -1), Read(map, K, 2));
        Assert.Equal((true, new UInt256(77), 2), Read(map, K, 3));
        Assert.Equal((true, new UInt256(20), -1), Read(map, L, 3));
    }

    [Fact]
    public void Credits_without_an_absolute_write_are_added_to_the_starting_state()
    {
        var (map, _) = NewMap();
        map.Publish(1, Writes((K, 5, true)));
        map.Publish(3, Writes((K, 6, true), (Missing, 4, true)));
        Assert.Equal((true, new UInt256(15), 1), Read(map, K, 2));
        Assert.Equal((true, new UInt256(21), 3), Read(map, K, 4));
        Assert.Equal((true, new UInt256(4), 3), Read(map, Missing, 4));
        map.Publish(2, Writes((K, 100, false)));
        Assert.Equal((true, new UInt256(106), 3), Read(map, K, 4));
    }

    [Fact]
    public void Credits_that_overflow_against_the_starting_state_are_unresolvable()
    {
        var state = new InMemoryState();
        state.Set(K, UInt256.MaxValue);
        var map = new MultiVersionMap();
        map.Reset(state, 4);
        map.Publish(0, Writes((K, 1, true)));
        Assert.False(map.TryRead(K, 1, out _, out _));
        Assert.Equal((true, UInt256.MaxValue, -1), Read(map, K, 0));

        var credits = new MultiVersionMap();
        credits.Reset(new InMemoryState(), 4);
        credits.Publish(0, Writes((K, 1, true)));
        var huge = new TxOutput();
        huge.Reset();
        huge.AddWrite(K, UInt256.MaxValue, isDelta: true);
        credits.Publish(1, huge);
        Assert.False(credits.TryRead(K, 2, out _, out _));
    }

    [Fact]
    public void Unpublish_withdraws_every_write_of_the_incarnation()
    {
        var (map, _) = NewMap();
        var first = Writes((K, 1, false), (L, 2, true));
        map.Publish(4, first);
        map.Publish(1, Writes((K, 50, false)));
        Assert.Equal((true, new UInt256(1), 4), Read(map, K, 5));
        Assert.Equal((true, new UInt256(22), 4), Read(map, L, 5));
        map.Unpublish(4, first);
        Assert.Equal((true, new UInt256(50), 1), Read(map, K, 5));
        Assert.Equal((true, new UInt256(20), -1), Read(map, L, 5));
        map.Publish(4, Writes((L, 9, false)));
        Assert.Equal((true, new UInt256(50), 1), Read(map, K, 5));
        Assert.Equal((true, new UInt256(9), 4), Read(map, L, 5));
    }

    [Fact]
    public void Every_key_read_or_written_gets_one_dense_id_in_the_block()
    {
        var (map, _) = NewMap();
        Assert.True(map.TryRead(K, 0, out _, out _, out int k));
        var output = Writes((L, 1, false), (K, 2, true));
        map.Publish(0, output);
        int l = output.WriteAt(0).Slot;
        Assert.Equal(k, output.WriteAt(1).Slot);
        Assert.True(map.TryRead(Missing, 1, out _, out _, out int missing));
        Assert.Equal([0, 1, 2], new[] { k, l, missing }.Order());
        Assert.Equal(3, map.KeyCount);
        Assert.Equal(l, map.KeyId(L));
        Assert.True(map.TryRead(L, 1, out _, out _, out int again));
        Assert.Equal(l, again);
        map.Reset(new InMemoryState(), 8);
        Assert.Equal(0, map.KeyId(Missing)); // ids start again in each block
    }

    [Fact]
    public void A_keys_starting_value_is_kept_once_read_or_credited()
    {
        var (map, state) = NewMap();
        Assert.False(map.TryGetStartValue(map.KeyId(K), out _)); // named, not read
        Read(map, K, 3);
        Assert.True(map.TryGetStartValue(map.KeyId(K), out var k));
        Assert.Equal(new UInt256(10), k);
        map.Publish(1, Writes((L, 5, false)));
        Assert.False(map.TryGetStartValue(map.KeyId(L), out _)); // an absolute write needs no starting value
        map.Publish(2, Writes((L, 5, true)));
        Assert.True(map.TryGetStartValue(map.KeyId(L), out var l)); // a credit does: its worker read it
        Assert.Equal(new UInt256(20), l);
        state.Set(K, 99); // the starting state does not change within a block: the kept value stands
        Assert.Equal((true, new UInt256(10), -1), Read(map, K, 0));
    }

    [Fact]
    public void Reset_starts_a_new_block_over_a_new_state()
    {
        var (map, _) = NewMap();
        map.Publish(0, Writes((K, 1, false), (L, 1, false)));
        var next = new InMemoryState();
        next.Set(K, 500);
        map.Reset(next, 2);
        Assert.Equal((true, new UInt256(500), -1), Read(map, K, 3));
        Assert.Equal((true, UInt256.Zero, -1), Read(map, L, 3));
        // More keys than the pool holds still work.
        for (ulong s = 0; s < 20; s++) map.Publish(1, Writes((StateKey.Storage(Contract, 1000 + s), s, false)));
        for (ulong s = 0; s < 20; s++) Assert.Equal((true, new UInt256(s), 1), Read(map, StateKey.Storage(Contract, 1000 + s), 2));
    }
}
