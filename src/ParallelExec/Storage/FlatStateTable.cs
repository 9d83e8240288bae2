using System.Collections.Concurrent;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The flat state of an <see cref="InMemoryStateStore"/>: one writer, reads from any thread meanwhile.
/// Each key maps to a slot of one value array; updating a key writes its slot in place, so a commit
/// allocates only for new keys. (A dictionary of values replaced a node on every update: with millions
/// of keys, collections then cost more than the commits themselves.) A read of a key the writer is not
/// changing is never affected by the write; a read of one it is changing may see a torn value (32 bytes
/// are not written atomically), which is why the pipeline never reads such a key here: the block
/// executing meanwhile reads the committing block's changes from its overlay first.
/// </summary>
internal sealed class FlatStateTable
{
    private readonly ConcurrentDictionary<StateKey, int> _slots;
    private readonly Stack<int> _free = new();
    private UInt256[] _values;
    private int _used;

    public FlatStateTable(int capacity = 0)
    {
        capacity = Math.Max(capacity, 16);
        _slots = new ConcurrentDictionary<StateKey, int>(Environment.ProcessorCount, capacity);
        _values = new UInt256[capacity];
    }

    public bool TryGet(in StateKey key, out UInt256 value)
    {
        if (_slots.TryGetValue(key, out int slot))
        {
            // Read after the slot: a new key's slot is published only once the array holding it is.
            value = Volatile.Read(ref _values)[slot];
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Writer only.</summary>
    public void Set(in StateKey key, in UInt256 value)
    {
        if (_slots.TryGetValue(key, out int slot))
        {
            _values[slot] = value;
            return;
        }
        if (!_free.TryPop(out slot))
        {
            if (_used == _values.Length)
            {
                var grown = new UInt256[_values.Length * 2];
                _values.CopyTo(grown, 0);
                Volatile.Write(ref _values, grown);
            }
            slot = _used++;
        }
        _values[slot] = value;
        _slots[key] = slot; // publishes the key, its value written
    }

    /// <summary>Writer only, with no reads meanwhile (a removed key's slot is reused).</summary>
    public void Remove(in StateKey key)
    {
        if (_slots.TryRemove(key, out int slot)) _free.Push(slot);
    }

    /// <summary>Every key and value; not concurrent with writes.</summary>
    public IEnumerable<KeyValuePair<StateKey, UInt256>> Entries()
    {
        foreach (var (key, slot) in _slots) yield return new(key, _values[slot]);
    }
}
