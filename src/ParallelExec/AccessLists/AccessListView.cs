using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// The state every transaction of a block sees when the block comes with an access list: the
/// block's starting state plus, for each key, the list's post-value of the highest index below the
/// transaction's own. Read-only once built, so all workers read it at once. It also answers what the
/// checks need: which keys the list names, and the changes it lists per key and per index.
/// Keys the list names are prefetched from the starting state in one batched read
/// (<see cref="IStateReader.TryGetMany"/>); the three account fields of every listed account included.
/// </summary>
internal sealed class AccessListView : IStateView
{
    /// <summary>What the list says about one key.</summary>
    internal struct KeyEntry
    {
        /// <summary>Value in the block's starting state.</summary>
        public UInt256 Base;
        /// <summary>The key's changes: the view's change arrays [Start, Start + Count), ascending.</summary>
        public int Start, Count;
        /// <summary>Position of the key's account in the list.</summary>
        public int Account;
        /// <summary>Position among the list's storage reads, or -1.</summary>
        public int Read;
    }

    // Every named key → its position in _entries/_names (filled in list order).
    private readonly Dictionary<StateKey, int> _keys = new();
    private KeyEntry[] _entries = [];
    private StateKey[] _names = [];
    private int _named;
    private ushort[] _changeIndexes = [];
    private UInt256[] _changeValues = [];
    private StateKey[] _changeKeys = [];
    private IStateReader _state = null!;

    public BlockAccessList List { get; private set; } = BlockAccessList.Empty;

    /// <summary>Changes the list makes at each block access index (0..n+1).</summary>
    public int[] ChangesAtIndex { get; private set; } = [];

    /// <summary>Number of storage reads the list names.</summary>
    public int ReadCount { get; private set; }

    /// <summary>
    /// Aims the view at a block of <paramref name="transactions"/> over <paramref name="state"/>. Throws
    /// <see cref="BlockAccessListException"/> when the list changes anything outside the transactions'
    /// indexes (1..n: this engine has no system calls before or after them).
    /// </summary>
    public void Reset(BlockAccessList list, IStateReader state, int transactions)
    {
        List = list;
        _state = state;
        _keys.Clear();
        _named = 0;
        int named = 3 * list.Accounts.Count + list.SlotCount;
        _keys.EnsureCapacity(named);
        if (_entries.Length < named)
        {
            _entries = new KeyEntry[named];
            _names = new StateKey[named];
        }
        int changes = ChangeCount = list.ChangeCount;
        if (_changeValues.Length < changes)
        {
            _changeIndexes = new ushort[changes];
            _changeValues = new UInt256[changes];
            _changeKeys = new StateKey[changes];
        }
        ChangesAtIndex = new int[transactions + 2];
        int at = 0, reads = 0;
        for (int a = 0; a < list.Accounts.Count; a++)
        {
            var account = list.Accounts[a];
            var address = account.Address;
            Add(StateKey.Balance(address), account.BalanceChanges, a, -1, ref at, transactions);
            Add(StateKey.Nonce(address), account.NonceChanges, a, -1, ref at, transactions);
            Add(StateKey.CodeHash(address), account.CodeChanges, a, -1, ref at, transactions);
            foreach (var slot in account.StorageChanges) Add(StateKey.Storage(address, slot.Slot), slot.Changes, a, -1, ref at, transactions);
            foreach (var slot in account.StorageReads) Add(StateKey.Storage(address, slot), [], a, reads++, ref at, transactions);
        }
        ReadCount = reads;
    }

    /// <summary>Keys the list names (account fields and slots); <see cref="Prefetch"/> works through them in ranges.</summary>
    public int NamedCount => _named;

    /// <summary>The <paramref name="key"/>-th named key.</summary>
    public StateKey Name(int key) => _names[key];

    /// <summary>The value the block leaves the <paramref name="key"/>-th named key at: its last listed change, else its starting value.</summary>
    public UInt256 FinalValue(int key)
    {
        ref readonly var entry = ref _entries[key];
        return entry.Count > 0 ? _changeValues[entry.Start + entry.Count - 1] : entry.Base;
    }

    private void Add(in StateKey key, AccessListChange[] changes, int account, int read, ref int at, int transactions)
    {
        int start = at;
        foreach (var change in changes)
        {
            if (change.Index < 1 || change.Index > transactions)
                throw new BlockAccessListException($"{key}: change at index {change.Index} is outside the block's transactions (1..{transactions})");
            _changeIndexes[at] = change.Index;
            _changeValues[at] = change.Value;
            _changeKeys[at] = key;
            ChangesAtIndex[change.Index]++;
            at++;
        }
        _entries[_named] = new KeyEntry { Start = start, Count = changes.Length, Account = account, Read = read };
        _names[_named] = key;
        _keys[key] = _named++;
    }

    /// <summary>
    /// Reads the starting values of named keys [<paramref name="start"/>, <paramref name="start"/> +
    /// <paramref name="count"/>) in one batch (RocksDB: MultiGet), into the given buffers' room.
    /// Workers prefetch disjoint ranges at once, after <see cref="Reset"/> and before any read.
    /// </summary>
    public void Prefetch(int start, int count, Span<UInt256> values, Span<bool> found)
    {
        values = values[..count];
        found = found[..count];
        _state.TryGetMany(_names.AsSpan(start, count), values, found);
        for (int i = 0; i < count; i++) _entries[start + i].Base = found[i] ? values[i] : default;
    }

    /// <summary>What the list says about <paramref name="key"/>; false when it does not name it.</summary>
    public bool TryGetEntry(in StateKey key, out KeyEntry entry) => TryGetEntry(key, out entry, out _);

    /// <summary>As <see cref="TryGetEntry(in StateKey, out KeyEntry)"/>, with the key's position among the named keys.</summary>
    public bool TryGetEntry(in StateKey key, out KeyEntry entry, out int position)
    {
        if (_keys.TryGetValue(key, out position))
        {
            entry = _entries[position];
            return true;
        }
        entry = default;
        return false;
    }

    /// <summary>Index of the change at <paramref name="index"/> within an entry's changes, or -1.</summary>
    public int FindChange(in KeyEntry entry, ushort index)
    {
        int pos = Array.BinarySearch(_changeIndexes, entry.Start, entry.Count, index);
        return pos >= 0 ? pos : -1;
    }

    public UInt256 ChangeValue(int change) => _changeValues[change];

    /// <summary>The key of the <paramref name="change"/>-th listed change (for error messages).</summary>
    public StateKey ChangeKey(int change) => _changeKeys[change];

    public ushort ChangeIndex(int change) => _changeIndexes[change];

    public int ChangeCount { get; private set; }

    /// <summary>The value transaction <paramref name="txIndex"/> sees: the latest listed change below its index, else the starting state.</summary>
    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source)
    {
        if (!_keys.TryGetValue(key, out int named))
        {
            value = StartStateReads.Read(_state, key);
            source = -1;
            return true;
        }
        value = ValueBefore(_entries[named], txIndex, out source);
        return true;
    }

    /// <summary>The value of a named key as transaction <paramref name="txIndex"/> sees it; <paramref name="source"/> as in <see cref="TryRead"/>.</summary>
    public UInt256 ValueBefore(in KeyEntry entry, int txIndex, out int source)
    {
        // Changes at indexes 1..txIndex were made by transactions before this one (index txIndex + 1).
        int pos = Array.BinarySearch(_changeIndexes, entry.Start, entry.Count, (ushort)(txIndex + 1));
        int before = (pos >= 0 ? pos : ~pos) - 1;
        if (before >= entry.Start)
        {
            source = _changeIndexes[before] - 1;
            return _changeValues[before];
        }
        source = -1;
        return entry.Base;
    }
}
