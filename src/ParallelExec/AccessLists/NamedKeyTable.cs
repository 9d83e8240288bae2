using System.Numerics;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// The keys an access list names → their position among the view's keys: an open-addressing hash
/// table over the view's own <see cref="ListedKey"/> array, filled by many workers at once (a key is
/// published by one compare-and-swap on an empty slot, after its entry is written) and read by all of
/// them once the fill is over. An account takes one slot, not three: its fields are consecutive in
/// the view (balance, nonce, code hash), so the slot, keyed by the address, holds the balance's
/// position and a field is found at an offset from it; a storage slot has a slot of its own, keyed
/// by the whole key. Each slot holds the hash beside the position, so a probe that meets another
/// key's slot moves on without loading that key; a hit loads the one entry the caller reads next
/// anyway. The table is half empty at most, so probe runs stay short. Reused across blocks.
/// </summary>
internal sealed class NamedKeyTable
{
    private long[] _slots = new long[16]; // 0: empty, else (hash << 32) | (position + 1)
    private int _mask = 15, _shift = 28;
    private ListedKey[] _entries = [];

    /// <summary>Empties the table for <paramref name="count"/> keys, whose entries are (or will be) in <paramref name="entries"/>.</summary>
    public void Reset(int count, ListedKey[] entries)
    {
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, count * 2));
        if (_slots.Length < capacity) _slots = new long[capacity];
        else Array.Clear(_slots, 0, capacity);
        _mask = capacity - 1;
        _shift = 32 - BitOperations.Log2((uint)capacity);
        _entries = entries;
    }

    /// <summary>
    /// Adds the key of the entry at <paramref name="position"/>; false when an equal key is there
    /// already. A balance stands for its account: the nonce and code hash that follow it are found
    /// through it and need no slot (true at once).
    /// </summary>
    public bool TryAdd(int position)
    {
        ref readonly var key = ref _entries[position].Name;
        if (key.Kind is StateKeyKind.Nonce or StateKeyKind.CodeHash) return true;
        int hash = HashOf(key);
        long mine = ((long)hash << 32) | (uint)(position + 1);
        for (int slot = Home(hash); ; slot = (slot + 1) & _mask)
        {
            long taken = Volatile.Read(ref _slots[slot]);
            if (taken == 0)
            {
                taken = Interlocked.CompareExchange(ref _slots[slot], mine, 0);
                if (taken == 0) return true;
            }
            if ((int)(taken >> 32) == hash && Matches(_entries[(int)taken - 1].Name, key)) return false;
        }
    }

    /// <summary>The position of <paramref name="key"/>, or -1 when the list does not name it.</summary>
    public int Find(in StateKey key)
    {
        int hash = HashOf(key);
        for (int slot = Home(hash); ; slot = (slot + 1) & _mask)
        {
            long taken = _slots[slot];
            if (taken == 0) return -1;
            if ((int)(taken >> 32) == hash && Matches(_entries[(int)taken - 1].Name, key)) return (int)taken - 1 + FieldOffset(key.Kind);
        }
    }

    // An account field is keyed by its address alone (the account's slot), a storage slot by itself.
    private static int HashOf(in StateKey key) => key.IsAccountField ? key.Address.GetHashCode() : key.GetHashCode();

    // Whether the slot's key (a balance or a storage slot) is the one that stands for key.
    private static bool Matches(in StateKey slotKey, in StateKey key) => key.IsAccountField
        ? slotKey.Kind == StateKeyKind.Balance && slotKey.Address == key.Address
        : slotKey.Equals(key);

    // Where a field lies after its account's balance (the view's order).
    private static int FieldOffset(StateKeyKind kind) => kind switch
    {
        StateKeyKind.Nonce => 1,
        StateKeyKind.CodeHash => 2,
        _ => 0,
    };

    // The key's hash spread over the table (Fibonacci hashing: the high bits of the product).
    private int Home(int hash) => (int)(((uint)hash * 0x9E3779B9u) >> _shift);
}
