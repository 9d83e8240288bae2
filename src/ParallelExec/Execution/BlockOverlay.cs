using System.Runtime.InteropServices;
using ParallelExec.AccessLists;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// The committed prefix of a block over its starting state: every key a committed transaction
/// read or wrote, in the order the block first touched it, with its current value and last writer.
/// Both executors commit transaction outputs into it with the same <see cref="TryCommit"/>, which
/// is why their results are identical by construction; for the parallel executor the same pass also
/// validates a speculative output. Single-threaded: only the committer uses it.
/// </summary>
internal sealed class BlockOverlay : IStateView
{
    private struct Entry
    {
        public StateKey Key;
        public UInt256 Value;
        public int LastWriter; // -1: only read, value is the starting state's
    }

    private struct Undo
    {
        public int Slot;
        public UInt256 Value;
        public int LastWriter;
    }

    private readonly Dictionary<StateKey, int> _index;
    private Undo[] _undo = new Undo[16];
    private int _undoCount;
    private List<int>? _writtenSlots;
    private Entry[] _entries;
    private int _count;
    private IStateReader _baseState = null!;
    private AccessListRecorder? _recorder;
    private List<StateKey>? _creditChecked;

    public BlockOverlay(int capacity = 1024)
    {
        _index = new Dictionary<StateKey, int>(capacity);
        _entries = new Entry[capacity];
    }

    public void Reset(IStateReader baseState, int expectedKeys)
    {
        // An executor recording an access list hands its state in wrapped with the recorder.
        _recorder = (baseState as AccessListRecordingState)?.Recorder;
        _baseState = baseState is AccessListRecordingState recording ? recording.Inner : baseState;
        _index.Clear();
        _index.EnsureCapacity(expectedKeys);
        _writtenSlots = null;
        _creditChecked = null;
        if (_entries.Length < expectedKeys) _entries = new Entry[expectedKeys];
        _count = 0;
    }

    /// <inheritdoc/>
    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source, out int slot)
    {
        slot = -1;
        return TryRead(key, txIndex, out value, out source);
    }

    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source)
    {
        if (_index.TryGetValue(key, out int i))
        {
            value = _entries[i].Value;
            source = _entries[i].LastWriter;
            return true;
        }
        value = StartStateReads.Read(_baseState, key, txIndex);
        source = -1;
        return true;
    }

    /// <summary>
    /// Commits the output of transaction <paramref name="txIndex"/> in one pass, one dictionary
    /// operation per key. With <paramref name="validate"/> (a speculative output), every read must
    /// still see the value it saw — then the execution is exactly what sequential execution would
    /// have done here — or nothing changes and the result is <see cref="CommitResult.Invalid"/>.
    /// A credit that would pass 2^256 also leaves nothing changed (<see cref="CommitResult.CreditOverflow"/>):
    /// the transaction must take its failure path. <paramref name="dependencies"/>, when given,
    /// receives the writer each read depended on.
    /// </summary>
    public CommitResult TryCommit(TxOutput output, int txIndex, List<(int From, int To)>? dependencies, bool validate)
    {
        if (_recorder is null) return Apply(output, txIndex, dependencies, validate);
        _recorder.CapturePreValues(this, output, txIndex);
        var result = Apply(output, txIndex, dependencies, validate);
        if (result == CommitResult.Committed) _recorder.Record(this, output, txIndex);
        return result;
    }

    private CommitResult Apply(TxOutput output, int txIndex, List<(int From, int To)>? dependencies, bool validate)
    {
        if (validate && output.Invalid) return CommitResult.Invalid;
        int mark = _count;
        int edges = dependencies?.Count ?? 0;
        int recorded = _writtenSlots?.Count ?? 0;
        _undoCount = 0;
        foreach (ref readonly var read in output.Reads)
        {
            ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, read.Key, out bool exists);
            if (exists)
            {
                ref readonly var entry = ref _entries[slot];
                if (validate && !entry.Value.Equals(read.Value)) return Rollback(mark, edges, recorded, dependencies, CommitResult.Invalid);
                if (dependencies is not null && entry.LastWriter >= 0) dependencies.Add((entry.LastWriter, txIndex));
                continue;
            }
            // Nobody in the block touched it yet: the value is the starting state's. A read served
            // by a speculative write that no committed transaction kept must be checked against it.
            if (validate && read.Source >= 0 && !StartValueIs(read.Key, read.Value))
            {
                _index.Remove(read.Key);
                return Rollback(mark, edges, recorded, dependencies, CommitResult.Invalid);
            }
            slot = Append(read.Key, read.Value, -1);
        }
        foreach (ref readonly var write in output.Writes)
        {
            ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, write.Key, out bool exists);
            if (!exists)
            {
                UInt256 value = write.Value;
                if (write.IsDelta && !UInt256.TryAdd(StartStateReads.Read(_baseState, write.Key, txIndex), write.Value, out value))
                {
                    _index.Remove(write.Key);
                    RememberCreditChecks(output, write.Key);
                    return Rollback(mark, edges, recorded, dependencies, CommitResult.CreditOverflow);
                }
                slot = Append(write.Key, value, txIndex);
                _writtenSlots?.Add(slot);
                continue;
            }
            ref var entry = ref _entries[slot];
            UInt256 next = write.Value;
            if (write.IsDelta && !UInt256.TryAdd(entry.Value, write.Value, out next))
            {
                RememberCreditChecks(output, write.Key);
                return Rollback(mark, edges, recorded, dependencies, CommitResult.CreditOverflow);
            }
            if (slot < mark) SaveUndo(slot, entry);
            entry.Value = next;
            entry.LastWriter = txIndex;
            _writtenSlots?.Add(slot);
        }
        return CommitResult.Committed;
    }

    // The starting values of this output's credits up to the one that overflowed decided the
    // transaction's failure, yet the failure path may never touch those keys: remember them (a rare
    // path, so the list is made here; keys the block touches anyway are dropped when collected).
    private void RememberCreditChecks(TxOutput output, in StateKey overflowed)
    {
        _creditChecked ??= new List<StateKey>();
        foreach (ref readonly var write in output.Writes)
        {
            if (write.IsDelta) _creditChecked.Add(write.Key);
            if (write.Key.Equals(overflowed)) return;
        }
    }

    // Whether the starting state holds value at key. Only a speculative output's check asks: a read
    // that fails there (a stateless run's witness lacks a key that only a torn view reached) makes
    // the output stale, and the committer runs the transaction again in order, where a fault is real.
    private bool StartValueIs(in StateKey key, in UInt256 value)
    {
        try
        {
            return StartStateReads.Read(_baseState, key).Equals(value);
        }
        catch (EngineFaultException)
        {
            return false;
        }
    }

    // Puts back entries this commit changed and forgets the keys it added (always the last ones).
    private CommitResult Rollback(int mark, int edges, int recorded, List<(int From, int To)>? dependencies, CommitResult result)
    {
        if (_writtenSlots is not null && _writtenSlots.Count > recorded) _writtenSlots.RemoveRange(recorded, _writtenSlots.Count - recorded);
        for (int u = _undoCount - 1; u >= 0; u--)
        {
            ref readonly var undo = ref _undo[u];
            ref var entry = ref _entries[undo.Slot];
            entry.Value = undo.Value;
            entry.LastWriter = undo.LastWriter;
        }
        for (int i = mark; i < _count; i++) _index.Remove(_entries[i].Key);
        _count = mark;
        if (dependencies is not null && dependencies.Count > edges) dependencies.RemoveRange(edges, dependencies.Count - edges);
        return result;
    }

    private void SaveUndo(int slot, in Entry entry)
    {
        if (_undoCount == _undo.Length) Array.Resize(ref _undo, _undo.Length * 2);
        _undo[_undoCount++] = new Undo { Slot = slot, Value = entry.Value, LastWriter = entry.LastWriter };
    }

    /// <summary>
    /// From now on, remembers which entries commits write (null: stop). The parallel committer uses
    /// it during a sequential stretch, to publish those keys' values when speculation resumes.
    /// </summary>
    public void RecordWrittenEntries(List<int>? slots) => _writtenSlots = slots;

    /// <summary>The key, value and last writer of a recorded entry.</summary>
    public (StateKey Key, UInt256 Value, int LastWriter) EntryAt(int slot)
    {
        ref readonly var e = ref _entries[slot];
        return (e.Key, e.Value, e.LastWriter);
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

    /// <summary>Keys whose starting value a committed credit overflowed (see <see cref="BlockResult.CreditCheckedKeys"/>), in order, each once.</summary>
    public StateKey[] CollectCreditCheckedKeys()
    {
        if (_creditChecked is null) return [];
        var keys = new List<StateKey>();
        var seen = new HashSet<StateKey>();
        foreach (var key in _creditChecked)
            if (!_index.ContainsKey(key) && seen.Add(key)) keys.Add(key);
        return [.. keys];
    }

    /// <summary>Every key the block read or wrote, in first-touch order.</summary>
    public StateKey[] CollectTouchedKeys()
    {
        var keys = new StateKey[_count];
        for (int i = 0; i < _count; i++) keys[i] = _entries[i].Key;
        return keys;
    }
}

/// <summary>What <see cref="BlockOverlay.TryCommit"/> did.</summary>
internal enum CommitResult : byte
{
    Committed,
    /// <summary>A read no longer sees the value it saw: nothing changed, execute again.</summary>
    Invalid,
    /// <summary>A credit would pass 2^256: nothing changed, the transaction fails.</summary>
    CreditOverflow,
}
