using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParallelExec.AccessLists;
using ParallelExec.MultiVersion;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// The committed prefix of a block over its starting state: every key a committed transaction
/// read or wrote, in the order the block first touched it, with its current value and last writer.
/// Both executors commit transaction outputs into it with the same <see cref="TryCommit"/>, which
/// is why their results are identical by construction; for the parallel executor the same pass also
/// validates a speculative output. Single-threaded: only the committer uses it.
/// Entries are found through a dictionary keyed by the key, or, when the parallel executor
/// speculates, through the block's key ids (<see cref="MultiVersionMap.KeyId"/>): the reads and writes
/// of a speculative output carry their keys' ids, so validating and applying it indexes an array
/// instead of hashing each key into a dictionary (the serial path's main cost).
/// </summary>
internal sealed class BlockOverlay : IStateView
{
    private struct Entry
    {
        public StateKey Key;
        public UInt256 Value;
        public int LastWriter; // -1: only read, value is the starting state's
        public int Id; // the key's id when it is found by id, else -1
        public bool InIndex; // found through _index
    }

    private struct Undo
    {
        public int Slot;
        public UInt256 Value;
        public int LastWriter;
    }

    // Entries by key: all of them without key ids; with ids, only those the committer's own
    // executions added (their reads and writes carry no id, and giving them one would cost the
    // in-order path a version-table insert per key). Either way a key has one entry.
    private readonly Dictionary<StateKey, int> _index;
    // Entries by key id (-1: none), when the block has ids.
    private MultiVersionMap? _keyIds;
    private int[] _entryOfId = [];
    private int _found; // what SlotOf hands back for an entry it found
    // With ids: a bit per key hash (mod 65,536) of the keys added to _index, so that a key found by
    // id only looks in _index when the committer may have added it there (a miss there cost what ids save).
    private readonly ulong[] _indexedHashes = new ulong[1024];
    private bool _anyIndexedHash;
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

    /// <summary>
    /// Starts a block over <paramref name="baseState"/>. With <paramref name="keyIds"/> (already reset
    /// for this block) entries are found by the ids it gives keys, else by a dictionary.
    /// </summary>
    public void Reset(IStateReader baseState, int expectedKeys, MultiVersionMap? keyIds = null)
    {
        // An executor recording an access list hands its state in wrapped with the recorder.
        _recorder = (baseState as AccessListRecordingState)?.Recorder;
        _baseState = baseState is AccessListRecordingState recording ? recording.Inner : baseState;
        for (int i = 0; i < _count; i++)
            if (_entries[i].Id >= 0) _entryOfId[_entries[i].Id] = -1; // cheaper than clearing the whole array
        _keyIds = keyIds;
        _index.Clear();
        if (_anyIndexedHash) Array.Clear(_indexedHashes);
        _anyIndexedHash = false;
        if (keyIds is null) _index.EnsureCapacity(expectedKeys); // with ids it holds only the committer's own keys
        _writtenSlots = null;
        _creditChecked = null;
        if (_entries.Length < expectedKeys) _entries = new Entry[expectedKeys];
        _count = 0;
    }

    /// <inheritdoc/>
    /// <remarks><paramref name="slot"/> is the key's id when entries are found by ids, else -1.</remarks>
    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source, out int slot)
    {
        slot = -1;
        return Read(key, txIndex, out value, out source, ref slot);
    }

    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source)
    {
        int slot = -1;
        return Read(key, txIndex, out value, out source, ref slot);
    }

    private bool Read(in StateKey key, int txIndex, out UInt256 value, out int source, ref int id)
    {
        if (Find(key, ref id) is var i and >= 0)
        {
            value = _entries[i].Value;
            source = _entries[i].LastWriter;
            return true;
        }
        value = StartValue(key, id, txIndex);
        source = -1;
        return true;
    }

    /// <summary>
    /// Commits the output of transaction <paramref name="txIndex"/> in one pass, one lookup per key
    /// (by id when the output carries its keys' ids). With <paramref name="validate"/> (a speculative output), every read must
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
            int id = read.Slot;
            ref int slot = ref SlotOf(read.Key, ref id, out bool exists);
            if (exists)
            {
                ref readonly var entry = ref _entries[slot];
                if (validate && !entry.Value.Equals(read.Value)) return Rollback(mark, edges, recorded, dependencies, CommitResult.Invalid);
                if (dependencies is not null && entry.LastWriter >= 0) dependencies.Add((entry.LastWriter, txIndex));
                continue;
            }
            // Nobody in the block touched it yet: the value is the starting state's. A read served
            // by a speculative write that no committed transaction kept must be checked against it.
            if (validate && read.Source >= 0 && !StartValueIs(read.Key, id, read.Value))
            {
                Forget(read.Key, id);
                return Rollback(mark, edges, recorded, dependencies, CommitResult.Invalid);
            }
            slot = Append(read.Key, read.Value, -1, id);
        }
        foreach (ref readonly var write in output.Writes)
        {
            int id = write.Slot;
            ref int slot = ref SlotOf(write.Key, ref id, out bool exists);
            if (!exists)
            {
                UInt256 value = write.Value;
                if (write.IsDelta && !UInt256.TryAdd(StartValue(write.Key, id, txIndex), write.Value, out value))
                {
                    Forget(write.Key, id);
                    RememberCreditChecks(output, write.Key);
                    return Rollback(mark, edges, recorded, dependencies, CommitResult.CreditOverflow);
                }
                slot = Append(write.Key, value, txIndex, id);
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
    private bool StartValueIs(in StateKey key, int id, in UInt256 value)
    {
        try
        {
            return StartValue(key, id).Equals(value);
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
        for (int i = mark; i < _count; i++)
        {
            ref readonly var entry = ref _entries[i];
            if (entry.InIndex) _index.Remove(entry.Key);
            if (entry.Id >= 0) _entryOfId[entry.Id] = -1;
        }
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
    /// From now on finds every entry by key, as a block without ids does: for the rest of a block that
    /// runs in order to its end after speculating. Found by id, the committer's own reads cost a
    /// dictionary probe and a key-id lookup each (the rest of a probing block that lost ran 12–25 %
    /// slower than with entries by key); one insert per entry so far ends that.
    /// Speculative outputs may still be validated and applied (their ids are then ignored).
    /// </summary>
    public void StopUsingKeyIds()
    {
        if (_keyIds is null) return;
        for (int i = 0; i < _count; i++)
        {
            ref var entry = ref _entries[i];
            if (entry.InIndex) continue;
            _index[entry.Key] = i;
            entry.InIndex = true; // Id stays: the next Reset clears _entryOfId by it
        }
        _keyIds = null;
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

    private int Append(in StateKey key, in UInt256 value, int writer, int id)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count] = new Entry { Key = key, Value = value, LastWriter = writer, Id = id, InIndex = id < 0 };
        return _count++;
    }

    // The key's value in the block's starting state: kept by multi-version memory if a worker read it, else read here.
    private UInt256 StartValue(in StateKey key, int id, int txIndex = -1) =>
        _keyIds is not null && _keyIds.TryGetStartValue(id, out var value) ? value : StartStateReads.Read(_baseState, key, txIndex);

    // The entry of key, or -1. id: the key's id if the caller has it, else -1 (then set to the key's
    // id if it has one; in a block without ids it stays -1).
    private int Find(in StateKey key, ref int id)
    {
        if (_keyIds is null)
        {
            id = -1;
            return _index.TryGetValue(key, out int i) ? i : -1;
        }
        int slot;
        if (id >= 0)
        {
            slot = EntryOfId(id);
            if (slot >= 0 || !MaybeIndexed(key)) return slot;
            // Not found by its id: the committer may have added it by key. Found so, it is linked.
            if (!_index.TryGetValue(key, out slot)) return -1;
            if (id >= _entryOfId.Length) GrowIds(id);
            _entryOfId[id] = slot;
            _entries[slot].Id = id;
            return slot;
        }
        if (_index.Count > 0 && _index.TryGetValue(key, out slot)) return slot;
        // Only looked up, never added: a key no worker touched has no entry found by id either.
        return _keyIds.TryGetKeyId(key, out id) ? EntryOfId(id) : -1;
    }

    // The entry found by id, or -1 (ids past the array have none yet).
    private int EntryOfId(int id) => id < _entryOfId.Length ? _entryOfId[id] : -1;

    // Where the entry index of key is kept. When the key has none (exists false) the caller either
    // stores the index of the entry it appends there (by id if the key has one, else by key) or calls
    // Forget. id as for Find.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int SlotOf(in StateKey key, ref int id, out bool exists)
    {
        if (_keyIds is null)
        {
            id = -1;
            return ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out exists);
        }
        _found = Find(key, ref id);
        exists = _found >= 0;
        if (exists) return ref _found;
        if (id < 0)
        {
            int bit = key.GetHashCode() & 0xFFFF;
            _indexedHashes[bit >> 6] |= 1UL << bit;
            _anyIndexedHash = true;
            return ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out _);
        }
        if (id >= _entryOfId.Length) GrowIds(id);
        return ref _entryOfId[id];
    }

    private bool MaybeIndexed(in StateKey key)
    {
        if (!_anyIndexedHash) return false;
        int bit = key.GetHashCode() & 0xFFFF;
        return (_indexedHashes[bit >> 6] & (1UL << bit)) != 0;
    }

    // Undoes SlotOf's add to the index for a key that got no entry (a slot by id stayed -1).
    private void Forget(in StateKey key, int id)
    {
        if (id < 0) _index.Remove(key);
    }

    private void GrowIds(int id)
    {
        int old = _entryOfId.Length;
        Array.Resize(ref _entryOfId, Math.Max(id + 1, Math.Max(1024, _keyIds!.KeyCount * 2)));
        Array.Fill(_entryOfId, -1, old, _entryOfId.Length - old);
    }

    /// <summary>Every key the block wrote, with its final value, in first-touch order.</summary>
    public StateChange[] CollectChanges()
    {
        var changes = GC.AllocateUninitializedArray<StateChange>(CountWritten()); // every element is written below
        FillChanges(changes);
        return changes;
    }

    /// <summary>
    /// The block's result from the committed prefix (the whole block by now), with its first
    /// <paramref name="transactions"/> receipts: its changes collected into a buffer rented from
    /// <paramref name="buffers"/> when given (<see cref="ExecutionOptions.ResultBuffers"/>; the receipts
    /// must be one rented there too), else into an array of their own; its touched keys when
    /// <paramref name="recordTouchedKeys"/>.
    /// </summary>
    public BlockResult CollectResult(Receipt[] receipts, int transactions, ResultBuffers? buffers, bool recordTouchedKeys,
        IReadOnlyList<(int From, int To)>? dependencies, BlockExecutionStats stats)
    {
        var touched = recordTouchedKeys ? CollectTouchedKeys() : [];
        if (buffers is null) return new BlockResult(receipts, CollectChanges(), touched, dependencies, stats);
        int written = CountWritten();
        var changes = buffers.RentChanges(written);
        FillChanges(changes);
        return new BlockResult(receipts, transactions, changes, written, buffers, touched, dependencies, stats);
    }

    private int CountWritten()
    {
        int written = 0;
        for (int i = 0; i < _count; i++) if (_entries[i].LastWriter >= 0) written++;
        return written;
    }

    private void FillChanges(Span<StateChange> changes)
    {
        int k = 0;
        for (int i = 0; i < _count; i++)
        {
            ref readonly var e = ref _entries[i];
            if (e.LastWriter >= 0) changes[k++] = new StateChange(e.Key, e.Value);
        }
    }

    /// <summary>Keys whose starting value a committed credit overflowed (see <see cref="BlockResult.CreditCheckedKeys"/>), in order, each once.</summary>
    public StateKey[] CollectCreditCheckedKeys()
    {
        if (_creditChecked is null) return [];
        var keys = new List<StateKey>();
        var seen = new HashSet<StateKey>();
        foreach (var key in _creditChecked)
        {
            int id = -1;
            if (Find(key, ref id) < 0 && seen.Add(key)) keys.Add(key);
        }
        return [.. keys];
    }

    /// <summary>Every key the block read or wrote, in first-touch order.</summary>
    public StateKey[] CollectTouchedKeys()
    {
        var keys = GC.AllocateUninitializedArray<StateKey>(_count); // every element is written below
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
