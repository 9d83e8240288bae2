using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// Puts a state given in key order (by address) into the order of its tries (by keccak256(address),
/// then an account's fields, then its slots by keccak256(slot)), for a state too large to sort in
/// memory: an external merge sort. Entries are collected into runs (2^20 entries by default), each
/// sorted in memory and written to a file in the scratch folder; <see cref="Sorted"/> merges the runs.
/// Memory: one run, plus a read buffer per run while merging. The runs go to a folder of their own
/// inside the scratch folder (made at the first run: a state that fits in one run writes nothing),
/// deleted with them on dispose.
/// </summary>
internal sealed class HashedStateSorter : IDisposable
{
    /// <summary>Hashed address (32), tag (0: field, then its kind; 1: slot, then keccak256(slot)), value (32).</summary>
    public const int RecordLength = 32 + 1 + 32 + 32;
    private const int SortKeyLength = 32 + 1 + 32;
    private const int ReadBuffer = 1 << 16;

    private readonly string _folder;
    private readonly int _runEntries;
    private readonly List<string> _runs = new();
    private readonly byte[] _records;
    private int _count;
    private Address _lastAddress;
    private readonly byte[] _lastHash = new byte[32];
    private bool _hasLast, _merged;

    /// <param name="scratchFolder">Where this sorter's folder of runs goes: on disk, not in a RAM-backed temp folder.</param>
    /// <param name="runEntries">Entries per sorted run held in memory (<see cref="RecordLength"/> bytes each).</param>
    public HashedStateSorter(string scratchFolder, int runEntries = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runEntries, 2);
        _folder = System.IO.Path.Combine(scratchFolder, $"sort-{Guid.NewGuid():N}");
        _runEntries = runEntries;
        _records = new byte[runEntries * RecordLength];
    }

    /// <summary>Adds one entry (entries of one address are expected together: its hash is computed once).</summary>
    public void Add(in StateKey key, in UInt256 value)
    {
        if (_merged) throw new InvalidOperationException("the entries were already merged");
        if (!_hasLast || key.Address != _lastAddress)
        {
            Span<byte> address = stackalloc byte[Address.Size];
            key.Address.WriteTo(address);
            Keccak256.Compute(address, _lastHash);
            _lastAddress = key.Address;
            _hasLast = true;
        }
        var record = _records.AsSpan(_count * RecordLength, RecordLength);
        _lastHash.CopyTo(record);
        if (key.Kind == StateKeyKind.Storage)
        {
            record[32] = 1;
            Span<byte> slot = stackalloc byte[32];
            key.Slot.WriteBigEndian(slot);
            Keccak256.Compute(slot, record.Slice(33, 32));
        }
        else
        {
            record[32] = 0;
            record.Slice(33, 32).Clear();
            record[33] = (byte)key.Kind;
        }
        value.WriteBigEndian(record.Slice(65, 32));
        if (++_count == _runEntries) WriteRun();
    }

    private void WriteRun()
    {
        var order = SortRun();
        Directory.CreateDirectory(_folder);
        var path = System.IO.Path.Combine(_folder, $"run-{_runs.Count:D5}.bin");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            foreach (int i in order) file.Write(_records, i * RecordLength, RecordLength);
        }
        _runs.Add(path);
        _count = 0;
    }

    private int[] SortRun()
    {
        var order = new int[_count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var records = _records;
        Array.Sort(order, (a, b) => records.AsSpan(a * RecordLength, SortKeyLength).SequenceCompareTo(records.AsSpan(b * RecordLength, SortKeyLength)));
        return order;
    }

    /// <summary>
    /// Every entry in trie order, once (the span is valid until the next one). Two entries with the
    /// same key are an <see cref="ArgumentException"/>. Call once, after the last <see cref="Add"/>.
    /// </summary>
    public IEnumerable<ReadOnlyMemory<byte>> Sorted()
    {
        if (_merged) throw new InvalidOperationException("the entries were already merged");
        _merged = true;
        if (_runs.Count == 0)
        {
            // Everything fits in one run: no file at all.
            var order = SortRun();
            var previous = -1;
            foreach (int i in order)
            {
                if (previous >= 0 && SameKey(_records.AsSpan(previous * RecordLength), _records.AsSpan(i * RecordLength))) throw Duplicate(_records.AsSpan(i * RecordLength));
                previous = i;
                yield return _records.AsMemory(i * RecordLength, RecordLength);
            }
            yield break;
        }
        if (_count > 0) WriteRun();
        var readers = new FileStream[_runs.Count];
        var current = new byte[_runs.Count][];
        var queue = new PriorityQueue<int, byte[]>(Comparer<byte[]>.Create((a, b) => a.AsSpan(0, SortKeyLength).SequenceCompareTo(b.AsSpan(0, SortKeyLength))));
        try
        {
            for (int r = 0; r < _runs.Count; r++)
            {
                readers[r] = new FileStream(_runs[r], FileMode.Open, FileAccess.Read, FileShare.None, ReadBuffer);
                current[r] = new byte[RecordLength];
                if (Next(readers[r], current[r])) queue.Enqueue(r, current[r]);
            }
            var last = new byte[RecordLength];
            bool any = false;
            while (queue.TryDequeue(out int run, out var record))
            {
                if (any && SameKey(last, record)) throw Duplicate(record);
                record.CopyTo(last, 0);
                any = true;
                yield return last;
                if (Next(readers[run], current[run])) queue.Enqueue(run, current[run]);
            }
        }
        finally
        {
            foreach (var reader in readers) reader?.Dispose();
        }
    }

    private static bool Next(FileStream run, byte[] record) => run.ReadAtLeast(record, RecordLength, throwOnEndOfStream: false) == RecordLength;

    private static bool SameKey(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a[..SortKeyLength].SequenceEqual(b[..SortKeyLength]);

    private static ArgumentException Duplicate(ReadOnlySpan<byte> record) =>
        new($"the state holds a key twice (account hash 0x{Convert.ToHexString(record[..32])}{(record[32] == 1 ? $", slot hash 0x{Convert.ToHexString(record.Slice(33, 32))}" : $", field {(StateKeyKind)record[33]}")})");

    /// <summary>The hashed address of a record.</summary>
    public static ReadOnlySpan<byte> AccountHash(ReadOnlySpan<byte> record) => record[..32];

    /// <summary>True for a storage slot's record (its hashed slot is <see cref="SlotHash"/>), false for an account field's.</summary>
    public static bool IsSlot(ReadOnlySpan<byte> record) => record[32] == 1;

    /// <summary>The field's kind of an account field's record.</summary>
    public static StateKeyKind FieldKind(ReadOnlySpan<byte> record) => (StateKeyKind)record[33];

    /// <summary>The hashed slot of a slot's record.</summary>
    public static ReadOnlySpan<byte> SlotHash(ReadOnlySpan<byte> record) => record.Slice(33, 32);

    /// <summary>The value of a record.</summary>
    public static UInt256 Value(ReadOnlySpan<byte> record) => UInt256.FromBigEndian(record.Slice(65, 32));

    /// <summary>Deletes the runs and their folder.</summary>
    public void Dispose()
    {
        _runs.Clear();
        try
        {
            if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left behind in the scratch folder; nothing reads it again.
        }
    }
}
