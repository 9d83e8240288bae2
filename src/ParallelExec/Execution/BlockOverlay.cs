using System.Runtime.InteropServices;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// The committed prefix of a block over its starting state: every key a committed transaction
/// read or wrote, in the order the block first touched it, with its current value and last writer.
/// Both executors commit transaction outputs into it with the same <see cref="TryCommit"/>, which
/// is why their results are identical by construction. Single-threaded: only the committer uses it.
/// </summary>
internal sealed class BlockOverlay : IStateView
{
    private struct Entry
    {
        public StateKey Key;
        public UInt256 Value;
        public int LastWriter; // -1: only read, value is the starting state's
    }

    private readonly Dictionary<StateKey, int> _index;
    private Entry[] _entries;
    private int _count;
    private IStateReader _baseState = null!;

    public BlockOverlay(int capacity = 1024)
    {
        _index = new Dictionary<StateKey, int>(capacity);
        _entries = new Entry[capacity];
    }

    public void Reset(IStateReader baseState, int expectedKeys)
    {
        _baseState = baseState;
        _index.Clear();
        _index.EnsureCapacity(expectedKeys);
        if (_entries.Length < expectedKeys) _entries = new Entry[expectedKeys];
        _count = 0;
    }

    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source)
    {
        if (_index.TryGetValue(key, out int i))
        {
            value = _entries[i].Value;
            source = _entries[i].LastWriter;
            return true;
        }
        value = StartStateReads.Read(_baseState, key);
        source = -1;
        return true;
    }

    /// <summary>
    /// True when every read of <paramref name="output"/> still sees the value it saw, i.e. the
    /// speculative execution is exactly what sequential execution would have done here.
    /// </summary>
    public bool Validate(TxOutput output)
    {
        if (output.Unresolvable) return false;
        foreach (ref readonly var read in output.Reads)
        {
            if (_index.TryGetValue(read.Key, out int i))
            {
                if (!_entries[i].Value.Equals(read.Value)) return false;
            }
            else if (read.Source >= 0)
            {
                // It read a speculative write that no committed transaction kept: compare with the start.
                if (!StartStateReads.Read(_baseState, read.Key).Equals(read.Value)) return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Applies a valid output of transaction <paramref name="txIndex"/>. Returns false, changing
    /// nothing, when one of its credits would overflow: the transaction must then take its failure path.
    /// <paramref name="dependencies"/>, when given, receives the writer each read depended on.
    /// </summary>
    public bool TryCommit(TxOutput output, int txIndex, List<(int From, int To)>? dependencies)
    {
        foreach (ref readonly var write in output.Writes)
        {
            if (!write.IsDelta) continue;
            TryRead(write.Key, txIndex, out var current, out _);
            if (!UInt256.TryAdd(current, write.Value, out _)) return false;
        }
        foreach (ref readonly var read in output.Reads)
        {
            ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, read.Key, out bool exists);
            if (exists)
            {
                int writer = _entries[slot].LastWriter;
                if (dependencies is not null && writer >= 0) dependencies.Add((writer, txIndex));
                continue;
            }
            slot = Append(read.Key, read.Value, -1);
        }
        foreach (ref readonly var write in output.Writes)
        {
            ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, write.Key, out bool exists);
            if (!exists)
            {
                UInt256 value = write.Value;
                if (write.IsDelta) value = StartStateReads.Read(_baseState, write.Key) + write.Value;
                slot = Append(write.Key, value, txIndex);
                continue;
            }
            ref var entry = ref _entries[slot];
            entry.Value = write.IsDelta ? entry.Value + write.Value : write.Value;
            entry.LastWriter = txIndex;
        }
        return true;
    }

    private int Append(in StateKey key, in UInt256 value, int writer)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count] = new Entry { Key = key, Value = value, LastWriter = writer };
        return _count++;
    }

    /// <summary>Every key the block wrote, with its final value, in first-touch order.</summary>
    public StateChange[] CollectChanges()
    {
        int written = 0;
        for (int i = 0; i < _count; i++) if (_entries[i].LastWriter >= 0) written++;
        var changes = new StateChange[written];
        int k = 0;
        for (int i = 0; i < _count; i++)
        {
            ref readonly var e = ref _entries[i];
            if (e.LastWriter >= 0) changes[k++] = new StateChange(e.Key, e.Value);
        }
        return changes;
    }

    /// <summary>Every key the block read or wrote, in first-touch order.</summary>
    public StateKey[] CollectTouchedKeys()
    {
        var keys = new StateKey[_count];
        for (int i = 0; i < _count; i++) keys[i] = _entries[i].Key;
        return keys;
    }
}
