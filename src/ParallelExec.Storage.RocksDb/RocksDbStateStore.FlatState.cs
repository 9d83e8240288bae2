using System.Buffers;
using ParallelExec.State;
using RocksDbSharp;
using static ParallelExec.Storage.RocksDb.RocksDbLayout;

namespace ParallelExec.Storage.RocksDb;

/// <summary>The flat state's writes: a block's changes, a genesis, a revert (accounts kept whole, <see cref="AccountRecord"/>).</summary>
public sealed partial class RocksDbStateStore
{
    /// <summary>
    /// Puts a block's changes in key order (the memtable is a skip list: keys inserted in ascending order
    /// go in several times faster, each insert starting from the previous one's position) and, with a
    /// <paramref name="journal"/>, writes its lines there from offset 4; returns the journal's length.
    /// An account whose fields change gets its whole record rewritten: the fields it keeps, and the
    /// previous values the journal takes, come from <paramref name="previousValues"/> (what the block
    /// read; its prefetch names all three fields of an account, <see cref="KeepsAccountsWhole"/>), and
    /// where one is missing, from the stored record, read in one batch for all such accounts.
    /// </summary>
    private int PutChanges(WriteBatch batch, ReadOnlySpan<StateChange> changes,
        IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? previousValues, byte[]? journal)
    {
        int count = changes.Length;
        var keys = ArrayPool<StateKey>.Shared.Rent(count);
        var order = ArrayPool<int>.Shared.Rent(count);
        List<int>? unknown = null; // first sorted positions of accounts with a field not among the values read
        int o = 4;
        try
        {
            for (int i = 0; i < count; i++)
            {
                keys[i] = changes[i].Key;
                order[i] = i;
            }
            // StateKey's order is the byte order of the flat keys (an account's record, then its slots).
            keys.AsSpan(0, count).Sort(order.AsSpan(0, count));
            Span<byte> key = stackalloc byte[StateKeyEncoding.MaxLength];
            Span<byte> value = stackalloc byte[ValueLength];
            for (int i = 0; i < count;)
            {
                int end = FlatKeyEnd(keys, i, count);
                if (keys[i].Kind == StateKeyKind.Storage)
                {
                    var change = changes[order[i]];
                    if (journal is not null)
                    {
                        // The value the block read, or else the stored one.
                        if (previousValues is null || !previousValues.TryGetValue(change.Key, out var read))
                            read = (TryGet(change.Key, out var stored), stored);
                        read.Value.WriteBigEndian(value);
                        int length = StateKeyEncoding.Write(change.Key, key);
                        o += WriteJournalEntry(journal.AsSpan(o), key[..length], read.Existed, value);
                    }
                    PutSlot(batch, change);
                }
                else if (TryKnownRecord(keys[i].Address, previousValues, out var before))
                {
                    o = PutAccount(batch, changes, keys, order, i, end, before, journal, o);
                }
                else
                {
                    (unknown ??= new()).Add(i);
                }
                i = end;
            }
            if (unknown is not null) o = PutUnknownAccounts(batch, changes, keys, order, count, unknown, journal, o);
        }
        finally
        {
            ArrayPool<StateKey>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(order);
        }
        return o;
    }

    // The end of the run of sorted keys that starts at i and shares its flat key: an account's fields,
    // or one storage slot (duplicates of a slot are looked up apart, as they were asked).
    private static int FlatKeyEnd(StateKey[] sorted, int i, int count)
    {
        int end = i + 1;
        if (sorted[i].Kind == StateKeyKind.Storage) return end;
        while (end < count && sorted[end].Kind != StateKeyKind.Storage && sorted[end].Address == sorted[i].Address) end++;
        return end;
    }

    private static bool TryKnownRecord(in Address address, IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? previousValues, out AccountRecord record)
    {
        record = default;
        if (previousValues is null) return false;
        for (var kind = StateKeyKind.Nonce; kind <= StateKeyKind.CodeHash; kind++)
        {
            if (!previousValues.TryGetValue(StateKey.Create(address, kind, default), out var known)) return false;
            if (known.Existed) record.Set(kind, known.Value);
        }
        return true;
    }

    // The accounts whose records PutChanges had to read: one batched read, then as the others.
    private int PutUnknownAccounts(WriteBatch batch, ReadOnlySpan<StateChange> changes, StateKey[] keys, int[] order, int count,
        List<int> unknown, byte[]? journal, int o)
    {
        int n = unknown.Count;
        var names = ArrayPool<StateKey>.Shared.Rent(3 * n);
        var values = ArrayPool<UInt256>.Shared.Rent(3 * n);
        var found = ArrayPool<bool>.Shared.Rent(3 * n);
        try
        {
            for (int u = 0; u < n; u++)
            {
                var address = keys[unknown[u]].Address;
                for (int kind = 0; kind < 3; kind++) names[3 * u + kind] = StateKey.Create(address, (StateKeyKind)kind, default);
            }
            TryGetMany(names.AsSpan(0, 3 * n), values.AsSpan(0, 3 * n), found.AsSpan(0, 3 * n));
            for (int u = 0; u < n; u++)
            {
                var before = new AccountRecord();
                for (int kind = 0; kind < 3; kind++)
                {
                    if (found[3 * u + kind]) before.Set((StateKeyKind)kind, values[3 * u + kind]);
                }
                int start = unknown[u];
                o = PutAccount(batch, changes, keys, order, start, FlatKeyEnd(keys, start, count), before, journal, o);
            }
        }
        finally
        {
            ArrayPool<StateKey>.Shared.Return(names);
            ArrayPool<UInt256>.Shared.Return(values);
            ArrayPool<bool>.Shared.Return(found);
        }
        return o;
    }

    // Puts the record of the account whose changed fields are sorted keys [start, end), given its
    // fields before the block; writes their journal lines.
    private int PutAccount(WriteBatch batch, ReadOnlySpan<StateChange> changes, StateKey[] keys, int[] order, int start, int end,
        AccountRecord before, byte[]? journal, int o)
    {
        var after = before;
        Span<byte> key = stackalloc byte[StateKeyEncoding.MaxLength];
        Span<byte> previous = stackalloc byte[ValueLength];
        for (int k = start; k < end; k++)
        {
            var change = changes[order[k]];
            if (journal is not null)
            {
                bool existed = before.TryGet(change.Key.Kind, out var value);
                value.WriteBigEndian(previous);
                int length = StateKeyEncoding.Write(change.Key, key);
                o += WriteJournalEntry(journal.AsSpan(o), key[..length], existed, previous);
            }
            after.Set(change.Key.Kind, change.Value);
        }
        PutRecord(batch, keys[start].Address, after);
        return o;
    }

    private void PutSlot(WriteBatch batch, in StateChange change)
    {
        Span<byte> key = stackalloc byte[StateKeyEncoding.MaxLength];
        Span<byte> value = stackalloc byte[ValueLength];
        int length = StateKeyEncoding.Write(change.Key, key);
        change.Value.WriteBigEndian(value);
        batch.Put(key[..length], value, _state);
    }

    private void PutRecord(WriteBatch batch, in Address address, in AccountRecord record)
    {
        NoteWrittenAccount(address, record);
        Span<byte> key = stackalloc byte[AccountKeyLength];
        Span<byte> value = stackalloc byte[AccountRecord.MaxLength];
        address.WriteTo(key);
        if (record.IsEmpty)
        {
            batch.Delete(key.ToArray(), _state);
            return;
        }
        int length = record.Write(value);
        batch.Put(key, value[..length], _state);
    }

    /// <summary>
    /// Puts a chunk of a genesis (distinct keys) in key order; an account that an earlier chunk may have
    /// written (<paramref name="mergeUpTo"/>: every account up to that address; all of them when the
    /// genesis came <paramref name="unsorted"/>, the chunk then sorted first) gets its stored record's
    /// fields too. Returns the last account written.
    /// </summary>
    private Address? PutGenesisChunk(WriteBatch batch, Span<StateChange> chunk, Address? mergeUpTo, bool unsorted)
    {
        if (unsorted) chunk.Sort(static (a, b) => a.Key.CompareTo(b.Key));
        Address? last = null;
        for (int i = 0; i < chunk.Length;)
        {
            var first = chunk[i].Key;
            if (first.Kind == StateKeyKind.Storage)
            {
                PutSlot(batch, chunk[i++]);
                continue;
            }
            var record = new AccountRecord();
            if (unsorted || (mergeUpTo is { } bound && first.Address.CompareTo(bound) <= 0)) TryGetRecord(first.Address, out record);
            for (; i < chunk.Length && chunk[i].Key.Kind != StateKeyKind.Storage && chunk[i].Key.Address == first.Address; i++)
                record.Set(chunk[i].Key.Kind, chunk[i].Value);
            PutRecord(batch, first.Address, record);
            last = first.Address;
        }
        return last;
    }

    /// <summary>
    /// Puts into <paramref name="batch"/> what undoes a block's journal: its lines in reverse, a slot
    /// put back or deleted, an account's fields applied to its record in <paramref name="records"/>
    /// (read from the store when first met; the caller puts them when every block is undone).
    /// </summary>
    private void UndoJournal(WriteBatch batch, List<(byte[] Key, byte[]? Previous)> journal, Dictionary<Address, AccountRecord> records)
    {
        for (int i = journal.Count - 1; i >= 0; i--)
        {
            var (keyBytes, previous) = journal[i];
            StateKeyEncoding.TryRead(keyBytes, out var key); // ReadJournal checked every key
            if (key.Kind == StateKeyKind.Storage)
            {
                if (previous is null) batch.Delete(keyBytes, _state);
                else batch.Put(keyBytes, previous, _state);
                continue;
            }
            if (!records.TryGetValue(key.Address, out var record)) TryGetRecord(key.Address, out record);
            if (previous is null) record.Remove(key.Kind);
            else record.Set(key.Kind, UInt256.FromBigEndian(previous));
            records[key.Address] = record;
        }
    }

    /// <summary>The flat state's entries in key order: each record's present fields, then the account's slots.</summary>
    private IEnumerable<KeyValuePair<StateKey, UInt256>> FlatEntries()
    {
        using var it = _db.NewIterator(_state, _scan);
        for (it.SeekToFirst(); it.Valid(); it.Next())
        {
            var keyBytes = it.GetKeySpan();
            var valueBytes = it.GetValueSpan();
            if (keyBytes.Length == AccountKeyLength)
            {
                var address = new Address(keyBytes);
                if (!AccountRecord.TryRead(valueBytes, out var record))
                    throw Fail(StateStoreError.Corrupt, $"the record of account {address} is malformed");
                for (var kind = StateKeyKind.Nonce; kind <= StateKeyKind.CodeHash; kind++)
                {
                    if (record.TryGet(kind, out var field)) yield return new(StateKey.Create(address, kind, default), field);
                }
                continue;
            }
            if (!StateKeyEncoding.TryRead(keyBytes, out var key) || key.Kind != StateKeyKind.Storage || valueBytes.Length != ValueLength)
                throw Fail(StateStoreError.Corrupt, $"a malformed flat-state record (key {Convert.ToHexString(keyBytes)})");
            yield return new(key, UInt256.FromBigEndian(valueBytes));
        }
    }
}
