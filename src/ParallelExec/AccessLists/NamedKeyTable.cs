using System.Numerics;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.AccessLists;

/// <summary>
/// The keys an access list names → their position among the view's keys: an open-addressing hash
/// table over the view's own <see cref="ListedKey"/> array, in <see cref="Partitions"/> partitions that
/// a probe never leaves: the workers collect every key's slot value by partition while they fill the view
/// (<see cref="KeyBuckets"/>), then each partition is put together by one worker (<see cref="Insert"/>,
/// plain writes into a 64th of the table), and all read it once that is over. An account takes one
/// slot, not three: its fields are consecutive in the view (balance, nonce, code hash), so the slot,
/// keyed by the address, holds the balance's position and a field is found at an offset from it; a
/// storage slot has a slot of its own, keyed by the whole key. Each slot holds the hash beside the position, so a probe that meets another
/// key's slot moves on without loading that key; a hit loads the one entry the caller reads next
/// anyway. Every partition is half empty at most (<see cref="Reserve"/>), so probe runs stay short
/// and end. Reused across blocks.
/// </summary>
internal sealed class NamedKeyTable
{
    /// <summary>Partitions of the table: a key's probe never leaves its partition, so each is filled by one worker.</summary>
    public const int Partitions = 64;
    private const int MinCapacity = Partitions * 16;

    private long[] _slots = new long[MinCapacity]; // 0: empty, else (hash << 32) | (position + 1)
    private int _shift = 22, _partitionShift = 4, _partitionMask = 15;
    private ListedKey[] _entries = [];

    /// <summary>Empties the table for <paramref name="count"/> keys, whose entries are (or will be) in <paramref name="entries"/>.</summary>
    public void Reset(int count, ListedKey[] entries)
    {
        SetCapacity((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(MinCapacity, count * 2)));
        _entries = entries;
    }

    private void SetCapacity(int capacity)
    {
        if (_slots.Length < capacity) _slots = new long[capacity];
        else Array.Clear(_slots, 0, capacity);
        _shift = 32 - BitOperations.Log2((uint)capacity);
        _partitionShift = BitOperations.Log2((uint)(capacity / Partitions));
        _partitionMask = capacity / Partitions - 1;
    }

    /// <summary>
    /// Grows the table, emptied, until a partition has room for twice <paramref name="largestPartition"/>
    /// keys: before the partitions are put together, with the largest bucket total. A key's partition is
    /// the top bits of its hash's product, whatever the size, so slot values collected before stay valid.
    /// </summary>
    public void Reserve(int largestPartition)
    {
        int needed = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, largestPartition * 2)) * Partitions;
        if (needed <= (_partitionMask + 1) * Partitions) return;
        SetCapacity(needed);
    }

    /// <summary>
    /// What the entry at <paramref name="position"/> puts in the table and in which partition, or 0 when
    /// it takes no slot: a balance stands for its account, and the nonce and code hash that follow it
    /// are found through it. Workers collect these while they fill the view (<see cref="KeyBuckets"/>);
    /// <see cref="Insert"/> then puts each partition's in by one worker.
    /// </summary>
    public long SlotValue(int position, out int partition)
    {
        ref readonly var key = ref _entries[position].Name;
        partition = 0;
        if (key.Kind is StateKeyKind.Nonce or StateKeyKind.CodeHash) return 0;
        int hash = HashOf(key);
        partition = Home(hash) >> _partitionShift;
        return ((long)hash << 32) | (uint)(position + 1);
    }

    /// <summary>
    /// Puts a <see cref="SlotValue"/> in its partition; false (nothing changed) when an equal key is
    /// there already, and <paramref name="other"/> is that key's position. One thread per partition.
    /// </summary>
    public bool Insert(long value, out int other)
    {
        int hash = (int)(value >> 32);
        ref readonly var key = ref _entries[(int)value - 1].Name;
        for (int home = Home(hash), probe = home; ; probe = Next(home, probe))
        {
            long taken = _slots[probe];
            if (taken == 0)
            {
                _slots[probe] = value;
                other = -1;
                return true;
            }
            if ((int)(taken >> 32) == hash && Matches(_entries[(int)taken - 1].Name, key))
            {
                other = (int)taken - 1;
                return false;
            }
        }
    }

    /// <summary>The position of <paramref name="key"/>, or -1 when the list does not name it.</summary>
    public int Find(in StateKey key)
    {
        int hash = HashOf(key);
        for (int home = Home(hash), slot = home; ; slot = Next(home, slot))
        {
            long taken = _slots[slot];
            if (taken == 0) return -1;
            if ((int)(taken >> 32) == hash && Matches(_entries[(int)taken - 1].Name, key)) return (int)taken - 1 + FieldOffset(key.Kind);
        }
    }

    /// <summary>
    /// The position <see cref="Find"/> would likely return, judged by the hash alone:
    /// the entries are not loaded to compare keys (a prefetch's guess; a colliding hash only wastes a load).
    /// </summary>
    public int Guess(in StateKey key, int hash)
    {
        for (int home = Home(hash), slot = home; ; slot = Next(home, slot))
        {
            long taken = _slots[slot];
            if (taken == 0) return -1;
            if ((int)(taken >> 32) == hash) return (int)taken - 1 + FieldOffset(key.Kind);
        }
    }

    /// <summary>Starts loading the table line where a probe for the key of <paramref name="hash"/> begins.</summary>
    public void PrefetchHome(int hash) => Prefetch.Element(_slots, Home(hash));

    /// <summary>The hash <see cref="Find"/> takes: an account field is keyed by its address alone (the account's slot), a storage slot by itself.</summary>
    public static int HashOf(in StateKey key) => key.IsAccountField ? key.Address.GetHashCode() : key.GetHashCode();

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

    // The key's hash spread over the table (Fibonacci hashing: the high bits of the product); its
    // partition is the home's high bits.
    private int Home(int hash) => (int)(((uint)hash * 0x9E3779B9u) >> _shift);

    // The slot after `slot`, wrapping within the home's partition.
    private int Next(int home, int slot) => (home & ~_partitionMask) | ((slot + 1) & _partitionMask);
}
