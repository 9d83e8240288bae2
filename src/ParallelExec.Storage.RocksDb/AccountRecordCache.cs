using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using ParallelExec.State;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// Account records kept in memory beside the flat state, as geth keeps a clean cache over its
/// snapshot and reth a cache across blocks: a read that finds its account here costs two cache lines
/// instead of a RocksDB lookup (2–3 µs: memtable, filters, index and data blocks). A fixed table in
/// native memory, out of the collector's sight, four ways to a set: the sets' 16-byte headers (a
/// sequence number, the ways' tags and which fields each holds) in one array, their 64-byte entries
/// (address, nonce, balance) in another, so a lookup reads a header line and one entry line.
/// Only records without a code hash and with a nonce of 64 bits are kept (an account with code is
/// read from the store); an account with no record is kept as such.
/// <para>
/// Many readers and writers: a writer makes its set's sequence odd with a compare-and-swap while it
/// changes the set; a reader copies what it needs and checks the sequence did not move (a seqlock),
/// else it tries again or reads the store. A fill from a store read is taken only when no write to the
/// store began after that read started (<see cref="Epoch"/>): else it could put back a value that a
/// commit had just replaced.
/// </para>
/// </summary>
internal sealed unsafe class AccountRecordCache : IDisposable
{
    public const int Ways = 4;

    /// <summary>Bytes per way: its entry and a quarter of its set's header.</summary>
    public const int BytesPerWay = 64 + 16 / Ways;

    [StructLayout(LayoutKind.Explicit, Size = 16)]
    private struct SetHeader
    {
        [FieldOffset(0)] public int Sequence;
        [FieldOffset(4)] public uint Fields; // 8 bits a way: the record's presence bits (nonce 1, balance 2)
        [FieldOffset(8)] public ulong Tags;  // 16 bits a way: 0 for an empty way
    }

    [StructLayout(LayoutKind.Sequential, Size = 64)]
    private struct Entry
    {
        public Address Address;
        public ulong Nonce;
        public UInt256 Balance;
    }

    private readonly SetHeader* _headers;
    private readonly Entry* _entries;
    private readonly uint _sets;
    private long _epoch;
    private bool _disposed;

    /// <summary>A table of as many sets as fit in <paramref name="bytes"/> (at least one).</summary>
    public AccountRecordCache(long bytes)
    {
        _sets = (uint)Math.Clamp(bytes / (Ways * BytesPerWay), 1, int.MaxValue / Ways);
        _headers = (SetHeader*)NativeMemory.AlignedAlloc((nuint)_sets * (nuint)sizeof(SetHeader), 64);
        _entries = (Entry*)NativeMemory.AlignedAlloc((nuint)_sets * Ways * (nuint)sizeof(Entry), 64);
        NativeMemory.Clear(_headers, (nuint)_sets * (nuint)sizeof(SetHeader));
    }

    /// <summary>How many records the table has room for.</summary>
    public long Capacity => (long)_sets * Ways;

    /// <summary>The native memory the table takes.</summary>
    public long Bytes => Capacity * BytesPerWay;

    /// <summary>
    /// Counts the store's writes: odd while one is under way (<see cref="BeginStoreWrite"/>). A reader
    /// takes it before reading the store and hands it to <see cref="Fill"/>.
    /// </summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Before the store writes the flat state (a commit, a revert, a genesis).</summary>
    public void BeginStoreWrite() => Interlocked.Increment(ref _epoch);

    /// <summary>After the write, once the records it changed are <see cref="Put"/> here (or the write failed).</summary>
    public void EndStoreWrite() => Interlocked.Increment(ref _epoch);

    /// <summary>
    /// The record of <paramref name="address"/> when the table holds it (an empty record: the account
    /// has none); false when it does not, or a writer kept changing its set.
    /// </summary>
    public bool TryGet(in Address address, out AccountRecord record)
    {
        Locate(address, out uint set, out ushort tag);
        ref var header = ref _headers[set];
        for (int attempt = 0; attempt < 4; attempt++)
        {
            int before = Volatile.Read(ref header.Sequence);
            if ((before & 1) != 0)
            {
                Thread.SpinWait(4);
                continue;
            }
            ulong tags = header.Tags;
            uint fields = header.Fields;
            bool hit = false;
            Entry entry = default;
            for (int way = 0; way < Ways; way++)
            {
                if ((ushort)(tags >> (16 * way)) != tag) continue;
                entry = _entries[(nuint)set * Ways + (nuint)way];
                if (entry.Address != address) continue;
                fields = (fields >> (8 * way)) & 0xFF;
                hit = true;
                break;
            }
            // The copies above must be complete before the sequence is read again.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref header.Sequence) != before) continue;
            record = hit ? AccountRecord.FromCached((byte)fields, entry.Nonce, entry.Balance) : default;
            return hit;
        }
        record = default;
        return false;
    }

    /// <summary>
    /// Puts the record a store read found (an empty one: the account has none), unless a store write
    /// began after <paramref name="epoch"/> (the read's <see cref="Epoch"/>) or the record is one the
    /// table does not keep.
    /// </summary>
    public void Fill(in Address address, in AccountRecord record, long epoch)
    {
        if ((epoch & 1) != 0 || !record.TryGetCached(out byte fields, out ulong nonce, out var balance)) return;
        Write(address, keep: true, fields, nonce, balance, epoch);
    }

    /// <summary>Puts the record a store write wrote (an empty one: the account's record was deleted), or drops the account when the table does not keep such a record.</summary>
    public void Put(in Address address, in AccountRecord record)
    {
        bool keep = record.TryGetCached(out byte fields, out ulong nonce, out var balance);
        Write(address, keep, fields, nonce, balance, epoch: -1);
    }

    /// <summary>
    /// Starts loading the lines a lookup or a write of <paramref name="address"/> will read (its set's
    /// header and entries), so that a caller that knows its next addresses overlaps their cache misses.
    /// </summary>
    public void Prefetch(in Address address)
    {
        if (!Sse.IsSupported) return;
        Locate(address, out uint set, out _);
        Sse.Prefetch0(_headers + set);
        var entries = (byte*)(_entries + (nuint)set * Ways);
        for (int line = 0; line < Ways; line++) Sse.Prefetch0(entries + 64 * line);
    }

    /// <summary>Empties the table.</summary>
    public void Clear()
    {
        for (uint set = 0; set < _sets; set++)
        {
            ref var header = ref _headers[set];
            int sequence = Lock(ref header);
            header.Tags = 0;
            header.Fields = 0;
            Volatile.Write(ref header.Sequence, sequence + 2);
        }
    }

    // A write under the set's lock; epoch -1: the store's own write, else a fill from a read then.
    private void Write(in Address address, bool keep, byte fields, ulong nonce, in UInt256 balance, long epoch)
    {
        Locate(address, out uint set, out ushort tag);
        ref var header = ref _headers[set];
        int sequence = Lock(ref header);
        try
        {
            if (epoch >= 0 && Volatile.Read(ref _epoch) != epoch) return;
            int way = -1, free = -1;
            for (int w = 0; w < Ways; w++)
            {
                ushort held = (ushort)(header.Tags >> (16 * w));
                if (held == 0)
                {
                    if (free < 0) free = w;
                    continue;
                }
                if (held == tag && _entries[(nuint)set * Ways + (nuint)w].Address == address)
                {
                    way = w;
                    break;
                }
            }
            if (!keep)
            {
                if (way >= 0) header.Tags &= ~(0xFFFFUL << (16 * way));
                return;
            }
            // A full set gives up the way after the one it gave up last (its sequence counts its writes).
            if (way < 0) way = free >= 0 ? free : (sequence >> 1) & (Ways - 1);
            _entries[(nuint)set * Ways + (nuint)way] = new Entry { Address = address, Nonce = nonce, Balance = balance };
            header.Tags = (header.Tags & ~(0xFFFFUL << (16 * way))) | ((ulong)tag << (16 * way));
            header.Fields = (header.Fields & ~(0xFFu << (8 * way))) | ((uint)fields << (8 * way));
        }
        finally
        {
            Volatile.Write(ref header.Sequence, sequence + 2);
        }
    }

    // Makes the set's sequence odd (its writer's); returns the even value it had.
    private static int Lock(ref SetHeader header)
    {
        var spin = new SpinWait();
        while (true)
        {
            int sequence = Volatile.Read(ref header.Sequence);
            if ((sequence & 1) == 0 && Interlocked.CompareExchange(ref header.Sequence, sequence + 1, sequence) == sequence) return sequence;
            spin.SpinOnce(-1);
        }
    }

    // The set (the hash's high bits over the sets, Lemire's reduction) and a 16-bit tag (never 0).
    private void Locate(in Address address, out uint set, out ushort tag)
    {
        ulong mixed = (uint)address.GetHashCode() * 0x9E37_79B9_7F4A_7C15UL;
        set = (uint)(((mixed >> 32) * _sets) >> 32);
        tag = (ushort)(mixed >> 16);
        if (tag == 0) tag = 1;
    }

    /// <summary>Frees the table; no read or write may be under way or follow.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~AccountRecordCache() => Free();

    private void Free()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree(_headers);
        NativeMemory.AlignedFree(_entries);
    }
}
