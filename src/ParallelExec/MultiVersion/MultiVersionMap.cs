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
    // Starting values by key id, kept once read (the state does not change within a block): an array
    // the committer walks in nearly id order, not a field of each list (a cache miss per key). An id's
    // value is this block's when its mark is this block's number.
    private UInt256[] _startValues = [];
    private int[] _startMarks = [];
    private int _blockNumber;
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
            _startValues = new UInt256[expectedKeys];
            _startMarks = new int[expectedKeys];
            _blockNumber = 0;
        }
        if (++_blockNumber == int.MaxValue)
        {
            Array.Clear(_startMarks);
            _blockNumber = 1;
        }
    }

    /// <summary>Keys given an id in this block so far: every id is below it.</summary>
    public int KeyCount => Volatile.Read(ref _rented);

    /// <summary>
    /// The id of <paramref name="key"/> in this block (<see cref="VersionList.Id"/>), given on first use:
    /// every key a transaction reads or writes here gets one, so the committer can keep the committed
    /// prefix in arrays indexed by it instead of a dictionary keyed by the key.
    /// </summary>
    public int KeyId(in StateKey key) => _versions.GetOrAdd(key, _rent).Id;

    /// <summary>Starts loading the version table's lines for <paramref name="keys"/> (<see cref="VersionTable.PrefetchSlot"/>).</summary>
    public void PrefetchSlots(ReadOnlySpan<StateKey> keys)
    {
        foreach (ref readonly var key in keys) _versions.PrefetchSlot(key);
    }

    /// <summary>
    /// Starts loading the version lists of <paramref name="keys"/> whose slots are loaded
    /// (<see cref="VersionTable.PrefetchList"/>); returns how many were found.
    /// </summary>
    public int PrefetchLists(ReadOnlySpan<StateKey> keys)
    {
        int found = 0;
        foreach (ref readonly var key in keys)
            if (_versions.PrefetchList(key)) found++;
        return found;
    }

    /// <summary>The id of <paramref name="key"/> if a transaction has touched it in this block; gives none.</summary>
    public bool TryGetKeyId(in StateKey key, out int id)
    {
        bool found = _versions.TryGet(key, out var list);
        id = found ? list.Id : -1;
        return found;
    }

    /// <inheritdoc/>
    /// <remarks><paramref name="slot"/> is the key's id (<see cref="KeyId"/>).</remarks>
    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source, out int slot)
    {
        var list = _versions.GetOrAdd(key, _rent);
        slot = list.Id;
        return Read(list, key, txIndex, out value, out source);
    }

    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source)
    {
        if (_versions.TryGet(key, out var list)) return Read(list, key, txIndex, out value, out source);
        source = -1;
        value = StartStateReads.Read(_baseState, key);
        return true;
    }

    private bool Read(VersionList list, in StateKey key, int txIndex, out UInt256 value, out int source)
    {
        switch (list.Read(txIndex, out value, out source))
        {
            case ReadResult.Absolute:
                return true;
            case ReadResult.OnStart:
                var credits = value;
                return UInt256.TryAdd(StartValue(list, key), credits, out value);
            case ReadResult.Overflow:
                return false;
        }
        source = -1;
        value = StartValue(list, key);
        return true;
    }

    // The key's starting value, read once per block and kept by id: the committer takes it from
    // there (TryGetStartValue) instead of reading it again on the serial path.
    private UInt256 StartValue(VersionList list, in StateKey key)
    {
        if (TryGetStartValue(list.Id, out var value)) return value;
        value = StartStateReads.Read(_baseState, key);
        KeepStartValue(list.Id, value);
        return value;
    }

    /// <summary>
    /// The starting value of the key with id <paramref name="id"/>, if a speculative execution has
    /// read it in this block (or published a credit to it); false otherwise.
    /// </summary>
    public bool TryGetStartValue(int id, out UInt256 value)
    {
        var marks = _startMarks;
        if ((uint)id < (uint)marks.Length && Volatile.Read(ref marks[id]) == _blockNumber)
        {
            value = _startValues[id];
            return true;
        }
        value = default;
        return false;
    }

    // Racing writers of one id write the same value; the mark is published after it. Ids past the
    // arrays (more keys than expected) keep nothing: the committer reads those itself.
    private void KeepStartValue(int id, in UInt256 value)
    {
        if ((uint)id >= (uint)_startMarks.Length) return;
        _startValues[id] = value;
        Volatile.Write(ref _startMarks[id], _blockNumber);
    }

    /// <summary>
    /// Makes the writes of transaction <paramref name="txIndex"/> visible to later transactions.
    /// Credits to an unread hot key are not published (see <see cref="VersionList.IsUnreadCreditSink"/>).
    /// Each write is given its key's id (<see cref="TxOutput.WriteEntry.Slot"/>). A speculative output
    /// also reads the starting value of each key it credits, for the committer (<see cref="TryGetStartValue"/>);
    /// a committed one (<paramref name="committed"/>) need not: the committer has read it already.
    /// </summary>
    public void Publish(int txIndex, TxOutput output, bool committed = false)
    {
        for (int w = 0; w < output.WriteCount; w++)
        {
            ref var write = ref output.WriteAt(w);
            var list = _versions.GetOrAdd(write.Key, _rent);
            Set(list, txIndex, write.Value, write.IsDelta);
            if (write.IsDelta && !committed && !TryGetStartValue(list.Id, out _)) TryKeepStart(list, write.Key);
            write.Slot = list.Id;
        }
    }

    /// <summary>Publishes one committed write.</summary>
    public void Publish(int txIndex, in StateKey key, in UInt256 value, bool isDelta) =>
        Set(_versions.GetOrAdd(key, _rent), txIndex, value, isDelta);

    private static void Set(VersionList list, int txIndex, in UInt256 value, bool isDelta)
    {
        if (!isDelta || !list.IsUnreadCreditSink) list.Set(txIndex, value, isDelta);
    }

    // A credit's key is read on the serial path (the committer adds the credit to its starting value)
    // unless its starting value is here: the worker reads it now. A read that fails here is left to
    // the committer, which faults only where sequential execution would.
    private void TryKeepStart(VersionList list, in StateKey key)
    {
        try
        {
            KeepStartValue(list.Id, StartStateReads.Read(_baseState, key));
        }
        catch (EngineFaultException)
        {
        }
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
        var list = i < _pool.Length ? _pool[i] : new VersionList();
        list.Id = i;
        return list;
    }
}
