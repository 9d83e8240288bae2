using System.Runtime.CompilerServices;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.AccessLists;

/// <summary>
/// The state every transaction of a block sees when the block comes with an access list: the
/// block's starting state plus, for each key, the list's post-value of the highest index below the
/// transaction's own. Read-only once built (but for starting values read on first need, each written
/// once with the same value whoever reads it), so all workers read it at once. It also answers what the
/// checks need: which keys the list names, and the changes it lists per key and per index.
/// Built in two steps: <see cref="Reset"/> lays out where each account's keys and changes go (one
/// short serial pass over the accounts, cut into units of about a thousand keys), then workers
/// <see cref="Fill"/> units at once: keys, changes, the key table, and the starting values of the
/// keys the list changes or reads in batched reads (<see cref="IStateReader.TryGetMany"/>); an account
/// field it leaves unchanged is read when a transaction first needs it (<see cref="StartingValue"/>).
/// </summary>
internal sealed class AccessListView : IStateView
{
    // Every named key → its position in _entries (list order).
    private readonly NamedKeyTable _keys = new();
    // Per account (and one past the last): where its keys and changes start; per account, where its
    // read slots start (its last keys), so that checks of a block's marks need not load the list's objects.
    private int[] _keyStart = [], _changeStart = [], _readStart = [];
    // The fill's units of work, in list order: a run of whole accounts, or a piece of one account's
    // slots (a token contract can hold most of a block's keys: one unit of it would leave the other
    // workers idle). A piece's key and change starts are where its first slot's go.
    private struct FillUnit
    {
        public int Account, EndAccount; // accounts [Account, EndAccount)
        public int SlotFrom, SlotTo; // a piece: the account's slots [SlotFrom, SlotTo) (changed ones, then read ones); -1: whole accounts
        public int KeyStart, KeyEnd, ChangeStart;
    }
    private FillUnit[] _units = new FillUnit[16];
    private int _unitCount;
    // A unit holds at most this many accounts and, short of one account's fields, about this many keys.
    private const int AccountsPerUnit = 64, KeysPerUnit = 1024;
    private int _transactions;
    private ListedKey[] _entries = [];
    private int _named;
    private ushort[] _changeIndexes = [];
    private UInt256[] _changeValues = [];
    private IStateReader _state = null!;

    public BlockAccessList List { get; private set; } = BlockAccessList.Empty;

    /// <summary>
    /// Aims the view at a block of <paramref name="transactions"/> over <paramref name="state"/> and lays
    /// out where every account's keys and changes go, in units of about <see cref="KeysPerUnit"/> keys;
    /// <see cref="Fill"/> must then cover every unit.
    /// </summary>
    public void Reset(BlockAccessList list, IStateReader state, int transactions)
    {
        List = list;
        _state = state;
        _transactions = transactions;
        int accounts = list.Accounts.Count;
        if (_keyStart.Length < accounts + 1)
        {
            int length = Math.Max(accounts + 1, _keyStart.Length * 2);
            _keyStart = new int[length];
            _changeStart = new int[length];
            _readStart = new int[length];
        }
        int keys = 0, changes = 0, runStart = 0;
        _unitCount = 0;
        for (int a = 0; a < accounts; a++)
        {
            _keyStart[a] = keys;
            _changeStart[a] = changes;
            var account = list.Accounts[a];
            int slots = account.StorageChanges.Length + account.StorageReads.Length;
            _readStart[a] = keys + 3 + account.StorageChanges.Length;
            if (slots > KeysPerUnit)
            {
                // Large: it ends the run before it and is cut into pieces of its own.
                if (runStart < a) AddUnit(runStart, a, -1, -1, _keyStart[runStart], keys, _changeStart[runStart]);
                changes = LayOutPieces(a, account, keys, changes);
                keys += 3 + slots;
                runStart = a + 1;
                continue;
            }
            keys += 3 + slots;
            changes += account.BalanceChanges.Length + account.NonceChanges.Length + account.CodeChanges.Length;
            foreach (var slot in account.StorageChanges) changes += slot.Changes.Length;
            if (a + 1 - runStart == AccountsPerUnit || keys - _keyStart[runStart] >= KeysPerUnit)
            {
                AddUnit(runStart, a + 1, -1, -1, _keyStart[runStart], keys, _changeStart[runStart]);
                runStart = a + 1;
            }
        }
        if (runStart < accounts) AddUnit(runStart, accounts, -1, -1, _keyStart[runStart], keys, _changeStart[runStart]);
        _keyStart[accounts] = _named = keys;
        _changeStart[accounts] = ChangeCount = changes;
        if (_entries.Length < keys) _entries = new ListedKey[keys];
        if (_changeValues.Length < changes)
        {
            _changeIndexes = new ushort[changes];
            _changeValues = new UInt256[changes];
        }
        _keys.Reset(keys, _entries);
    }

    /// <summary>Units of the fill (<see cref="Fill"/>), in list order.</summary>
    public int FillUnitCount => _unitCount;

    // Pieces of KeysPerUnit slots of a large account (the first also has its three fields), from its
    // first key and change at keys and changes; returns where the next account's changes start.
    private int LayOutPieces(int a, AccountChanges account, int keys, int changes)
    {
        int changed = account.StorageChanges.Length, slots = changed + account.StorageReads.Length;
        int at = changes + account.BalanceChanges.Length + account.NonceChanges.Length + account.CodeChanges.Length;
        for (int from = 0; from < slots; from += KeysPerUnit)
        {
            int to = Math.Min(from + KeysPerUnit, slots);
            AddUnit(a, a + 1, from, to, from == 0 ? keys : keys + 3 + from, keys + 3 + to, from == 0 ? changes : at);
            for (int s = from; s < Math.Min(to, changed); s++) at += account.StorageChanges[s].Changes.Length;
        }
        return at;
    }

    private void AddUnit(int account, int endAccount, int slotFrom, int slotTo, int keyStart, int keyEnd, int changeStart)
    {
        if (_unitCount == _units.Length) Array.Resize(ref _units, _units.Length * 2);
        _units[_unitCount++] = new FillUnit
        {
            Account = account, EndAccount = endAccount, SlotFrom = slotFrom, SlotTo = slotTo,
            KeyStart = keyStart, KeyEnd = keyEnd, ChangeStart = changeStart,
        };
    }

    /// <summary>
    /// Fills the <paramref name="unit"/>-th unit (a run of accounts, or a piece of a large one's slots):
    /// its keys, changes and table entries, then the starting values of the keys the list changes or
    /// reads, in batches of the buffers' size (<paramref name="names"/> holds a batch's keys for the read,
    /// <paramref name="positions"/> their entries). An account field the list leaves unchanged (a recipient's nonce, most code
    /// hashes: a third to a half of an ordinary block's named keys) is read only if a transaction
    /// needs it (<see cref="StartingValue"/>). Workers fill distinct units at once. Returns what is
    /// wrong with the list there (a change outside the transactions' indexes 1..n — this engine has no
    /// system calls before or after them), or null. A failing state read is thrown as it is.
    /// </summary>
    public string? Fill(int unit, KeyBuckets buckets, Span<StateKey> names, Span<int> positions, Span<UInt256> values, Span<bool> found)
    {
        ref readonly var u = ref _units[unit];
        int key = u.KeyStart, at = u.ChangeStart;
        for (int a = u.Account; a < u.EndAccount; a++)
        {
            var account = List.Accounts[a];
            int from = u.SlotFrom < 0 ? 0 : u.SlotFrom;
            int to = u.SlotFrom < 0 ? account.StorageChanges.Length + account.StorageReads.Length : u.SlotTo;
            if (FillAccount(account, from, to, buckets, ref key, ref at) is { } problem) return problem;
        }
        int batch = 0;
        for (int k = u.KeyStart, stop = u.KeyEnd; k < stop; k++)
        {
            ref readonly var entry = ref _entries[k];
            if (entry.Count == 0 && entry.Name.IsAccountField) continue;
            names[batch] = entry.Name;
            positions[batch++] = k;
            if (batch == names.Length) batch = ReadStartingValues(names, positions, values, found, batch);
        }
        ReadStartingValues(names, positions, values, found, batch);
        return null;
    }

    // The account's keys from its slot `from` (the changed slots, then the read ones) to `to`; from 0, its
    // fields first: balance, nonce, code hash, in this order (the key table finds the other two from the balance).
    private string? FillAccount(AccountChanges account, int from, int to, KeyBuckets buckets, ref int key, ref int at)
    {
        var address = account.Address;
        if (from == 0)
        {
            string? problem = Add(StateKey.Balance(address), account.BalanceChanges, buckets, ref key, ref at)
                ?? Add(StateKey.Nonce(address), account.NonceChanges, buckets, ref key, ref at)
                ?? Add(StateKey.CodeHash(address), account.CodeChanges, buckets, ref key, ref at);
            if (problem is not null) return problem;
        }
        int changed = account.StorageChanges.Length;
        for (int s = from; s < Math.Min(to, changed); s++)
        {
            var slot = account.StorageChanges[s];
            if (Add(StateKey.Storage(address, slot.Slot), slot.Changes, buckets, ref key, ref at) is { } wrong) return wrong;
        }
        for (int s = Math.Max(from, changed); s < to; s++)
            if (Add(StateKey.Storage(address, account.StorageReads[s - changed]), [], buckets, ref key, ref at) is { } wrong) return wrong;
        return null;
    }

    // One batched read (RocksDB: a MultiGet) of the first count names; returns 0, the next batch's size.
    private int ReadStartingValues(Span<StateKey> names, Span<int> positions, Span<UInt256> values, Span<bool> found, int count)
    {
        if (count == 0) return 0;
        _state.TryGetMany(names[..count], values[..count], found[..count]);
        for (int i = 0; i < count; i++)
        {
            ref var entry = ref _entries[positions[i]];
            entry.Base = found[i] ? values[i] : default;
            entry.BaseRead = true; // the workers read the view only after every unit is filled
        }
        return 0;
    }

    /// <summary>
    /// The starting value of the named key at <paramref name="position"/>, read from the state the first
    /// time a transaction needs it when the fill left it (an account field the list does not change).
    /// Whichever worker reads it first keeps it; racing readers write the same value, and the flag is
    /// published after it. A failing read throws <see cref="EngineFaultException"/>.
    /// </summary>
    private UInt256 StartingValue(int position)
    {
        ref var entry = ref _entries[position];
        if (Volatile.Read(ref entry.BaseRead)) return entry.Base;
        var value = StartStateReads.Read(_state, entry.Name);
        entry.Base = value;
        Volatile.Write(ref entry.BaseRead, true);
        return value;
    }

    /// <summary>
    /// The named keys of the <paramref name="account"/>-th account: [Start, End), in the list's order —
    /// balance, nonce, code hash, changed slots, then read slots.
    /// </summary>
    public (int Start, int End) KeysOf(int account) => (_keyStart[account], _keyStart[account + 1]);

    /// <summary>Where the <paramref name="account"/>-th account's read slots start among its keys (they end with them).</summary>
    public int ReadKeysStart(int account) => _readStart[account];

    /// <summary>Keys the list names (account fields and slots).</summary>
    public int NamedCount => _named;

    /// <summary>The <paramref name="key"/>-th named key.</summary>
    public StateKey Name(int key) => _entries[key].Name;

    /// <summary>Starts loading the change <see cref="FinalValue"/> will read for the key at <paramref name="position"/> (its entry read).</summary>
    public void PrefetchFinalValue(int position)
    {
        ref readonly var entry = ref _entries[position];
        if (entry.Count > 0) Prefetch.Element(_changeValues, entry.Start + entry.Count - 1);
    }

    /// <summary>The value the block leaves the <paramref name="key"/>-th named key at: its last listed change, else its starting value.</summary>
    public UInt256 FinalValue(int key)
    {
        ref readonly var entry = ref _entries[key];
        return entry.Count > 0 ? _changeValues[entry.Start + entry.Count - 1] : StartingValue(key);
    }

    private string? Add(in StateKey key, AccessListChange[] changes, KeyBuckets buckets, ref int named, ref int at)
    {
        int start = at;
        foreach (var change in changes)
        {
            if (change.Index < 1 || change.Index > _transactions)
                return $"{key}: change at index {change.Index} is outside the block's transactions (1..{_transactions})";
            _changeIndexes[at] = change.Index;
            _changeValues[at] = change.Value;
            at++;
        }
        _entries[named] = new ListedKey { Name = key, Start = start, Count = changes.Length };
        if (_keys.SlotValue(named, out int partition) is var value and not 0) buckets.Add(partition, value);
        named++;
        return null;
    }

    /// <summary>Makes room in the key table for the largest partition the workers' buckets hold.</summary>
    public void ReserveKeyTable(KeyBuckets[] buckets)
    {
        int largest = 0;
        for (int p = 0; p < NamedKeyTable.Partitions; p++)
        {
            int total = 0;
            foreach (var worker in buckets) total += worker.Count(p);
            largest = Math.Max(largest, total);
        }
        _keys.Reserve(largest);
    }

    /// <summary>
    /// Puts the key table's <paramref name="partition"/> together from every worker's buckets, after the
    /// fill. The list's structure makes every key unique; a duplicate (a broken list object) is reported
    /// by the lower position of the two, or -1.
    /// </summary>
    public int InsertPartition(int partition, KeyBuckets[] buckets)
    {
        int duplicate = -1;
        foreach (var worker in buckets)
            foreach (long value in worker.Of(partition))
                if (!_keys.Insert(value, out int other))
                {
                    int first = Math.Min(other, (int)value - 1);
                    if (duplicate < 0 || first < duplicate) duplicate = first;
                }
        return duplicate;
    }

    /// <summary>The position of <paramref name="key"/> among the named keys, or -1 when the list does not name it.</summary>
    public int Position(in StateKey key) => _keys.Find(key);

    /// <summary>
    /// Where <paramref name="key"/> likely is among the named keys, by its <see cref="NamedKeyTable.HashOf"/>
    /// alone (no entry loaded to compare it), or -1: for a prefetch (<see cref="NamedKeyTable.Guess"/>).
    /// </summary>
    public int GuessPosition(in StateKey key, int hash) => _keys.Guess(key, hash);

    /// <summary>Starts loading the key table's line where the lookup of a key of <paramref name="hash"/> begins.</summary>
    public void PrefetchTableLine(int hash) => _keys.PrefetchHome(hash);

    /// <summary>Starts loading the lines of the entry at <paramref name="position"/> (its 120 bytes span up to three).</summary>
    public void PrefetchEntry(int position)
    {
        Prefetch.Element(_entries, position);
        Prefetch.Element(_entries, position, 64);
        Prefetch.Element(_entries, position, Unsafe.SizeOf<ListedKey>() - 1);
    }

    /// <summary>Starts loading the first and last of the changes the list makes to the key at <paramref name="position"/> (its entry read).</summary>
    public void PrefetchChanges(int position)
    {
        ref readonly var entry = ref _entries[position];
        if (entry.Count == 0) return;
        Prefetch.Element(_changeIndexes, entry.Start);
        Prefetch.Element(_changeValues, entry.Start);
        if (entry.Count > 1) Prefetch.Element(_changeValues, entry.Start + entry.Count - 1);
    }

    /// <summary>
    /// The value of the named key at <paramref name="position"/> before transaction <paramref name="txIndex"/>
    /// (as <see cref="ValueBefore"/>) and, in <paramref name="listed"/>, the position of the change the list
    /// makes at the transaction's own index, or -1: one search for both, as the check of a write needs.
    /// </summary>
    public UInt256 ValueBeforeAndOwnChange(int position, int txIndex, out int listed)
    {
        ref readonly var entry = ref _entries[position];
        int pos = Search(entry, (ushort)(txIndex + 1));
        int before;
        if (pos >= 0)
        {
            listed = pos;
            before = pos - 1;
        }
        else
        {
            listed = -1;
            before = ~pos - 1;
        }
        return before >= entry.Start ? _changeValues[before] : StartingValue(position);
    }

    // Array.BinarySearch's answer over an entry's change indexes (the position of the change at
    // index, else the complement of where it would go). Most keys have one or two changes, which a
    // scan answers. A key with many is bisected after a first probe where the index would be if its
    // changes were evenly spread: a key every transaction changes (a fee recipient, whose credit each
    // transaction resolves and checks) is found there at once, instead of in ~14 dependent steps.
    private int Search(in ListedKey entry, ushort index)
    {
        int low = entry.Start, end = low + entry.Count;
        if (entry.Count > 8)
        {
            var indexes = _changeIndexes;
            int first = indexes[low], last = indexes[end - 1];
            if (index <= first) return index == first ? low : ~low;
            if (index >= last) return index == last ? end - 1 : ~end;
            int high = end;
            int guess = low + (int)((long)(index - first) * (entry.Count - 1) / (last - first));
            ushort at = indexes[guess];
            if (at == index) return guess;
            if (at < index) low = guess + 1;
            else high = guess;
            while (low < high)
            {
                int middle = (int)((uint)(low + high) >> 1);
                if (indexes[middle] < index) low = middle + 1;
                else high = middle;
            }
            return low < end && indexes[low] == index ? low : ~low;
        }
        for (int c = low; c < end; c++)
        {
            ushort at = _changeIndexes[c];
            if (at == index) return c;
            if (at > index) return ~c;
        }
        return ~end;
    }

    public UInt256 ChangeValue(int change) => _changeValues[change];

    public ushort ChangeIndex(int change) => _changeIndexes[change];

    public int ChangeCount { get; private set; }

    /// <summary>Changes the list makes at each block access index (0..n+1), counted when a check needs them (a wrong list).</summary>
    public int[] CountChangesAtIndexes()
    {
        var counts = new int[_transactions + 2];
        for (int c = 0; c < ChangeCount; c++) counts[_changeIndexes[c]]++;
        return counts;
    }

    /// <summary>The value transaction <paramref name="txIndex"/> sees: the latest listed change below its index, else the starting state.</summary>
    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source) => TryRead(key, txIndex, out value, out source, out _);

    /// <summary>As the other overload; <paramref name="slot"/> is the key's <see cref="Position(in StateKey)"/> (-1: not named).</summary>
    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source, out int slot)
    {
        slot = _keys.Find(key);
        if (slot < 0)
        {
            value = StartStateReads.Read(_state, key);
            source = -1;
            return true;
        }
        value = ValueBefore(slot, txIndex, out source);
        return true;
    }

    /// <summary>What the list says about the named key at <paramref name="position"/>.</summary>
    public ref readonly ListedKey EntryAt(int position) => ref _entries[position];

    /// <summary>The value of the named key at <paramref name="position"/> as transaction <paramref name="txIndex"/> sees it; <paramref name="source"/> as in <see cref="TryRead(in StateKey, int, out UInt256, out int)"/>.</summary>
    public UInt256 ValueBefore(int position, int txIndex, out int source)
    {
        ref readonly var entry = ref _entries[position];
        // Changes at indexes 1..txIndex were made by transactions before this one (index txIndex + 1).
        int pos = Search(entry, (ushort)(txIndex + 1));
        int before = (pos >= 0 ? pos : ~pos) - 1;
        if (before >= entry.Start)
        {
            source = _changeIndexes[before] - 1;
            return _changeValues[before];
        }
        source = -1;
        return StartingValue(position);
    }
}
