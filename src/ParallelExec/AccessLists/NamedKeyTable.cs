using System.Numerics;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// The keys an access list names → their position among the view's named keys: an open-addressing
/// hash table over the view's own key array, filled by many workers at once (a key is published by
/// one compare-and-swap on an empty slot, after its name is written) and read by all of them once the
/// fill is over. A lookup is one hash probe and one key compare in the common case, with no comparer
/// indirection; the table is half empty at most, so probe runs stay short. Reused across blocks.
/// </summary>
internal sealed class NamedKeyTable
{
    private int[] _slots = new int[16]; // 0: empty, else position + 1
    private int _mask = 15;
    private StateKey[] _names = [];

    /// <summary>Empties the table for <paramref name="count"/> keys, whose names are (or will be) in <paramref name="names"/>.</summary>
    public void Reset(int count, StateKey[] names)
    {
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, count * 2));
        if (_slots.Length < capacity) _slots = new int[capacity];
        else Array.Clear(_slots, 0, capacity);
        _mask = capacity - 1;
        _names = names;
    }

    /// <summary>Adds the key at <paramref name="position"/> of the names; false when an equal key is there already.</summary>
    public bool TryAdd(int position)
    {
        ref readonly var key = ref _names[position];
        for (int slot = Home(key); ; slot = (slot + 1) & _mask)
        {
            int taken = Volatile.Read(ref _slots[slot]);
            if (taken == 0)
            {
                taken = Interlocked.CompareExchange(ref _slots[slot], position + 1, 0);
                if (taken == 0) return true;
            }
            if (_names[taken - 1].Equals(key)) return false;
        }
    }

    /// <summary>The position of <paramref name="key"/>, or -1 when the list does not name it.</summary>
    public int Find(in StateKey key)
    {
        for (int slot = Home(key); ; slot = (slot + 1) & _mask)
        {
            int taken = _slots[slot];
            if (taken == 0) return -1;
            if (_names[taken - 1].Equals(key)) return taken - 1;
        }
    }

    // The key's cached hash, spread over the table (Fibonacci hashing: the high bits of the product).
    private int Home(in StateKey key) => (int)(((uint)key.GetHashCode() * 0x9E3779B9u) >> (32 - BitOperations.Log2((uint)_mask + 1)));
}
