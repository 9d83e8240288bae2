using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.MultiVersion;

/// <summary>
/// Multi-version memory (Block-STM): for each location, the values written by each transaction of
/// the block. Speculative executions read the version of the highest writer below them, falling
/// back to the block's starting state. Version lists are pooled across blocks.
/// </summary>
internal sealed class MultiVersionMap : IStateView
{
    private readonly VersionTable _versions = new();
    private readonly Func<VersionList> _rent;
    // An arena handed out by a counter and taken back whole at the block's end, not an ObjectPool:
    // ~5 ns a list against 12-16 ns a rent and return of DefaultObjectPool (measured), with no returns to make.
    private VersionList[] _pool = [];
    private int _rented;
    private IStateReader _baseState = null!;

    public MultiVersionMap()
    {
        _rent = Rent;
    }

    public void Reset(IStateReader baseState, int expectedKeys)
    {
        _baseState = baseState;
        _versions.Reset(expectedKeys);
        _rented = 0;
        if (_pool.Length < expectedKeys)
        {
            int old = _pool.Length;
            Array.Resize(ref _pool, expectedKeys);
            for (int i = old; i < expectedKeys; i++) _pool[i] = new VersionList();
        }
    }

    /// <inheritdoc/>
    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source, out int slot)
    {
        slot = -1;
        return TryRead(key, txIndex, out value, out source);
    }

    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source)
    {
        if (_versions.TryGet(key, out var list))
        {
            switch (list.Read(txIndex, out value, out source))
            {
                case ReadResult.Absolute:
                    return true;
                case ReadResult.OnStart:
                    var credits = value;
                    return UInt256.TryAdd(StartStateReads.Read(_baseState, key), credits, out value);
                case ReadResult.Overflow:
                    return false;
            }
        }
        source = -1;
        value = StartStateReads.Read(_baseState, key);
        return true;
    }

    /// <summary>
    /// Makes the writes of transaction <paramref name="txIndex"/> visible to later transactions.
    /// Credits to an unread hot key are not published (see <see cref="VersionList.IsUnreadCreditSink"/>).
    /// </summary>
    public void Publish(int txIndex, TxOutput output)
    {
        foreach (ref readonly var write in output.Writes) Publish(txIndex, write.Key, write.Value, write.IsDelta);
    }

    public void Publish(int txIndex, in StateKey key, in UInt256 value, bool isDelta)
    {
        var list = _versions.GetOrAdd(key, _rent);
        if (isDelta && list.IsUnreadCreditSink) return;
        list.Set(txIndex, value, isDelta);
    }

    /// <summary>Withdraws the writes of an incarnation that is about to be replaced.</summary>
    public void Unpublish(int txIndex, TxOutput output)
    {
        foreach (ref readonly var write in output.Writes)
            if (_versions.TryGet(write.Key, out var list)) list.Remove(txIndex);
    }

    private VersionList Rent()
    {
        int i = Interlocked.Increment(ref _rented) - 1;
        return i < _pool.Length ? _pool[i] : new VersionList();
    }
}
