using System.Runtime.InteropServices;
using ParallelExec.State;
using static ParallelExec.Storage.RocksDb.RocksDbLayout;

namespace ParallelExec.Storage.RocksDb;

/// <summary>The account records kept in memory beside the flat state (<see cref="AccountRecordCache"/>).</summary>
public sealed partial class RocksDbStateStore
{
    /// <summary>The share of a table's ways that the accounts may fill when it is warmed (more, and sets overflow).</summary>
    private const double WarmLoad = 0.75;

    // How many records ahead of its put the warming (or a commit) asks for a record's lines.
    private const int WarmLookahead = 16;

    // Null until WarmAccountCache made one: only a chain that runs blocks reads through it.
    private AccountRecordCache? _accounts;
    // The records the commit under way puts, for the table once its batch is written.
    private List<(Address Address, AccountRecord Record)>? _writtenAccounts;
    private long _accountCacheHits, _warmedAccounts;

    /// <inheritdoc/>
    public long AccountCacheHits => Interlocked.Read(ref _accountCacheHits);

    /// <inheritdoc/>
    /// <remarks>
    /// The accounts are counted first from RocksDB's estimate of the flat state's keys (slots
    /// included): past one and a half times the table's room, nothing is read. Then one scan of the
    /// flat state, stepping over each account's slots, puts every record in the table; past the room
    /// it is given up and the table freed. A store with the table keeps it current: each commit puts the records it
    /// wrote once its batch is written, a revert or genesis empties it, and an account read that misses
    /// fills it.
    /// </remarks>
    public long WarmAccountCache(long maxBytes, out long accounts)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        accounts = _warmedAccounts;
        if (_accounts is { } warm) return warm.Bytes;
        const long SetBytes = AccountRecordCache.Ways * AccountRecordCache.BytesPerWay;
        if (maxBytes < SetBytes || !long.TryParse(_db.GetProperty("rocksdb.estimate-num-keys", _state), out long keys)) return 0;
        // Room for twice the keys (slots included), at most maxBytes: a small state takes a small table.
        // Keys well past the room (3 M accounts for 128 MiB) are not scanned only to give up.
        long bytes = Math.Min(maxBytes, Math.Max(64L << 10, 2 * keys * AccountRecordCache.BytesPerWay));
        if (keys > 3 * (long)(bytes / AccountRecordCache.BytesPerWay * WarmLoad) / 2) return 0;
        var cache = new AccountRecordCache(bytes);
        bool kept = false;
        try
        {
            long limit = (long)(cache.Capacity * WarmLoad);
            var head = _head;
            accounts = PutAllAccounts(cache, limit);
            // Not beside a commit (the table would miss what it wrote): checked, not relied on.
            if (accounts < 0 || _head != head)
            {
                accounts = 0;
                return 0;
            }
            Keep(cache);
            kept = true;
            _warmedAccounts = accounts;
            return cache.Bytes;
        }
        catch (Exception e) when (e is RocksDbSharp.RocksDbException or RocksDbSharp.RocksDbSharpException)
        {
            throw Translate(e);
        }
        finally
        {
            if (!kept) cache.Dispose();
        }
    }

    /// <summary>An empty table of <paramref name="bytes"/> that account reads fill, whatever the state's size (for tests: a small one evicts).</summary>
    internal void KeepAccountCache(long bytes)
    {
        if (_accounts is not null) throw new InvalidOperationException("the store keeps an account cache already");
        Keep(new AccountRecordCache(bytes));
    }

    private void Keep(AccountRecordCache cache)
    {
        _writtenAccounts = new();
        Volatile.Write(ref _accounts, cache);
    }

    // One scan of the flat state putting every account record in the table; -1 past limit records.
    private long PutAllAccounts(AccountRecordCache cache, long limit)
    {
        long accounts = 0;
        Span<byte> next = stackalloc byte[AccountKeyLength];
        var pending = new (Address Address, AccountRecord Record)[WarmLookahead];
        using var it = _db.NewIterator(_state, _scan);
        for (it.SeekToFirst(); it.Valid();)
        {
            var key = it.GetKeySpan();
            if (key.Length < AccountKeyLength) throw Fail(StateStoreError.Corrupt, $"a malformed flat-state key ({Convert.ToHexString(key)})");
            if (key.Length != AccountKeyLength)
            {
                // An account's slots follow its record: step over them to the next address.
                key[..AccountKeyLength].CopyTo(next);
                if (!Increment(next)) break;
                it.Seek(next);
                continue;
            }
            var address = new Address(key);
            if (!AccountRecord.TryRead(it.GetValueSpan(), out var record))
                throw Fail(StateStoreError.Corrupt, $"the record of account {address} is malformed");
            if (++accounts > limit) return -1;
            // Each record is put a few records after its set's lines were asked for: the puts' cache
            // misses overlap (a put waiting on its own was most of the scan's time).
            ref var slot = ref pending[(int)(accounts % WarmLookahead)];
            if (accounts > WarmLookahead) cache.Put(slot.Address, slot.Record);
            slot = (address, record);
            cache.Prefetch(address);
            it.Next();
        }
        for (long a = Math.Max(1, accounts - WarmLookahead + 1); a <= accounts; a++)
        {
            ref var slot = ref pending[(int)(a % WarmLookahead)];
            cache.Put(slot.Address, slot.Record);
        }
        return accounts;
    }

    // The next address in byte order; false past the last.
    private static bool Increment(Span<byte> address)
    {
        for (int i = address.Length - 1; i >= 0; i--)
        {
            if (++address[i] != 0) return true;
        }
        return false;
    }

    // The commit's batch is about to be written: the table's readers must not fill from reads that started before.
    private void BeginAccountWrite()
    {
        _accounts?.BeginStoreWrite();
    }

    // After the write (written: it landed): the table takes the records it put; a write that replaced
    // records wholesale (a genesis, a revert) empties the table instead.
    private void EndAccountWrite(bool written, bool wholesale = false)
    {
        if (_accounts is not { } cache) return;
        try
        {
            if (wholesale) cache.Clear();
            else if (written)
            {
                var records = CollectionsMarshal.AsSpan(_writtenAccounts);
                for (int i = 0; i < records.Length; i++)
                {
                    if (i + WarmLookahead < records.Length) cache.Prefetch(records[i + WarmLookahead].Address);
                    cache.Put(records[i].Address, records[i].Record);
                }
            }
        }
        finally
        {
            _writtenAccounts!.Clear();
            cache.EndStoreWrite();
        }
    }

    // A record the batch under way puts, for the table.
    private void NoteWrittenAccount(in Address address, in AccountRecord record) => _writtenAccounts?.Add((address, record));
}
