using System.Collections.Concurrent;
using System.Numerics;
using ParallelExec.State;

namespace ParallelExec.MultiVersion;

/// <summary>
/// Key → <see cref="VersionList"/> for one block: open addressing over an array sized to the block,
/// lock-free lookups, slots claimed with one CAS, no allocation per key (lists come from a pool).
/// Replaces a ConcurrentDictionary whose per-key node allocation and stripe locks cost as much as
/// executing a transfer. Keys are never removed during a block.
/// Slots are tagged with the block's generation: a slot of an earlier block reads as empty, so a
/// new block starts without clearing the table (a memset of megabytes that would also evict the
/// cache the block is about to use).
/// Once an insert has to probe past <see cref="MaxInsertProbes"/> slots (the table is about 85 %
/// full: at three quarters an insert probes ~8.5 slots on average), further keys go to an overflow
/// dictionary: an insert that finds the table full seals the empty slot that ends its probe, so a
/// racing insert of the same key cannot claim that slot afterwards and both end in the overflow.
/// Fullness is judged by probe length, not by a count of keys: a counter every insert updates is a
/// cache line every worker writes (a fifth of the table's samples in a profile of two workers).
/// A key has one list per block,
/// whichever thread adds it (the committer relies on it: a list's <see cref="VersionList.Id"/> names
/// the key).
/// </summary>
internal sealed class VersionTable
{
    // A slot's Tag is generation << 2 | state; a tag of another generation means empty.
    private const int Claimed = 1, Ready = 2, Sealed = 3, StateMask = 3;
    private const int MaxGeneration = int.MaxValue >> 2;
    /// <summary>An insert that probes this many slots finds the table full (see the class remarks).</summary>
    internal const int MaxInsertProbes = 48;

    // 16 bytes: the key lives in the list, compared only when the hash matches.
    private struct Slot
    {
        public int Tag;
        public int Hash;
        public VersionList? List;
    }

    private Slot[] _slots = [];
    private int _generation;
    private int _mask;
    private readonly ConcurrentDictionary<StateKey, VersionList> _overflow = new();
    // Set once an insert found the table full: every later insert seals the empty slot its probe ends at.
    private volatile bool _full;
    private volatile bool _overflowUsed;

    /// <summary>Whether a key of this block went to the overflow dictionary (the table was full).</summary>
    public bool OverflowUsed => _overflowUsed;

    /// <summary>Keys added in this block so far (table and overflow). Counts by walking the table: for tests and diagnostics.</summary>
    public int Count
    {
        get
        {
            int count = _overflow.Count;
            var slots = _slots;
            for (int i = 0; i < slots.Length; i++)
            {
                int tag = Volatile.Read(ref slots[i].Tag);
                if (tag >> 2 == _generation && (tag & StateMask) is Claimed or Ready) count++;
            }
            return count;
        }
    }

    public void Reset(int expectedKeys)
    {
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1024, expectedKeys * 2));
        if (_slots.Length < capacity)
        {
            _slots = new Slot[capacity];
            _generation = 1;
        }
        else if (++_generation > MaxGeneration)
        {
            Array.Clear(_slots); // once in 500 million blocks
            _generation = 1;
        }
        _mask = _slots.Length - 1;
        _full = false;
        if (_overflowUsed) _overflow.Clear();
        _overflowUsed = false;
    }

    public bool TryGet(in StateKey key, out VersionList list)
    {
        int hash = key.GetHashCode();
        var slots = _slots;
        for (int i = hash & _mask, probes = 0; probes <= _mask; i = (i + 1) & _mask, probes++)
        {
            ref var slot = ref slots[i];
            int tag = Volatile.Read(ref slot.Tag);
            if (tag >> 2 != _generation || (tag & StateMask) == Sealed) break; // empty in this block, or the overflow's
            if ((tag & StateMask) == Claimed) WaitReady(ref slot);
            if (slot.Hash == hash && slot.List!.Key.Equals(key))
            {
                list = slot.List;
                return true;
            }
        }
        if (_overflowUsed && _overflow.TryGetValue(key, out list!)) return true;
        list = null!;
        return false;
    }

    /// <summary>The list for <paramref name="key"/>, taking one from <paramref name="create"/> (assigned to the key) if it has none.</summary>
    public VersionList GetOrAdd(in StateKey key, Func<VersionList> create)
    {
        int hash = key.GetHashCode();
        var slots = _slots;
        for (int i = hash & _mask, probes = 0; probes <= _mask; i = (i + 1) & _mask, probes++)
        {
            ref var slot = ref slots[i];
            int tag = Volatile.Read(ref slot.Tag);
            if (tag >> 2 != _generation)
            {
                bool full = _full || probes >= MaxInsertProbes;
                int seen = Interlocked.CompareExchange(ref slot.Tag, _generation << 2 | (full ? Sealed : Claimed), tag);
                if (seen == tag && full)
                {
                    if (!_full) _full = true;
                    break;
                }
                if (seen == tag)
                {
                    slot.Hash = hash;
                    var created = create();
                    created.Assign(key);
                    slot.List = created;
                    Volatile.Write(ref slot.Tag, _generation << 2 | Ready);
                    return slot.List;
                }
                tag = seen; // another thread claimed or sealed it in this generation
            }
            if ((tag & StateMask) == Sealed) break;
            if ((tag & StateMask) == Claimed) WaitReady(ref slot);
            if (slot.Hash == hash && slot.List!.Key.Equals(key)) return slot.List;
        }
        _overflowUsed = true;
        return _overflow.GetOrAdd(key, static (k, make) =>
        {
            var created = make();
            created.Assign(k);
            return created;
        }, create);
    }

    /// <summary>Starts loading the table line where <paramref name="key"/>'s probe starts: for a worker that will look the key up soon.</summary>
    public void PrefetchSlot(in StateKey key) => Trie.Prefetch.Element(_slots, key.GetHashCode() & _mask);

    /// <summary>
    /// When the table holds a list of this block with <paramref name="key"/>'s hash (an earlier
    /// transaction touched the key), starts loading it. Walks the key's probe as <see cref="TryGet"/>
    /// does, by the hash alone (comparing keys would wait on the very list it starts loading): call it
    /// once <see cref="PrefetchSlot"/> has had time to load the probe's line. Only a prefetch: a slot
    /// claimed or changed meanwhile costs a wasted load. Returns whether a list was found.
    /// </summary>
    public bool PrefetchList(in StateKey key)
    {
        int hash = key.GetHashCode();
        var slots = _slots;
        for (int i = hash & _mask, probes = 0; probes <= _mask; i = (i + 1) & _mask, probes++)
        {
            ref var slot = ref slots[i];
            int tag = Volatile.Read(ref slot.Tag);
            if (tag >> 2 != _generation || (tag & StateMask) == Sealed) return false; // empty in this block, or the overflow's
            if ((tag & StateMask) != Ready || slot.Hash != hash) continue;
            // A list is ~150 bytes: the lookup compares its key, a read takes its count and first version.
            var list = slot.List;
            Trie.Prefetch.Object(list);
            Trie.Prefetch.Object(list, 96);
            return true;
        }
        return false;
    }

    private static void WaitReady(ref Slot slot)
    {
        var spin = new SpinWait();
        while ((Volatile.Read(ref slot.Tag) & StateMask) == Claimed) spin.SpinOnce();
    }
}
