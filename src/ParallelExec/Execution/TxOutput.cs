using System.Runtime.CompilerServices;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Execution;

/// <summary>
/// What one incarnation of a transaction read and wrote, in the order it first touched each key,
/// plus its outcome. Reused across incarnations and blocks (arrays grow, never shrink), so the
/// executor's inner loop does not allocate.
/// </summary>
internal sealed class TxOutput
{
    private const int LinearSearchLimit = 12;

    /// <summary>An entry found by its key (lets one generic search serve reads and writes).</summary>
    internal interface IKeyed
    {
        StateKey Key { get; }
    }

    internal struct ReadEntry : IKeyed
    {
        public StateKey Key { readonly get; set; }
        public UInt256 Value;
        /// <summary>Index of the transaction whose write was read, or -1 for the block's starting state.</summary>
        public int Source;
        /// <summary>
        /// Where the view that served the read keeps the key, or -1: its named position in an access
        /// list's view, its id in the block (<see cref="MultiVersion.MultiVersionMap.KeyId"/>) when
        /// multi-version memory or a committed prefix indexed by those ids served it.
        /// </summary>
        public int Slot;
    }

    internal struct WriteEntry : IKeyed
    {
        public StateKey Key { readonly get; set; }
        public UInt256 Value;
        /// <summary>True for a commutative credit (<see cref="ITransactionContext.Add"/>) not yet resolved.</summary>
        public bool IsDelta;
        /// <summary>The key's id in the block once the write is published to multi-version memory, else -1.</summary>
        public int Slot;
    }

    private ReadEntry[] _reads = new ReadEntry[8];
    private WriteEntry[] _writes = new WriteEntry[8];
    private Dictionary<StateKey, int>? _readIndex;
    private Dictionary<StateKey, int>? _writeIndex;

    public int ReadCount { get; private set; }
    public int WriteCount { get; private set; }
    public ExecutionOutcome Outcome;
    public ulong GasUsed;
    /// <summary>
    /// Set when a speculative run produced no usable result: it hit a value that cannot be resolved
    /// (credits overflowing) or a fault that a torn view may cause. The committer re-executes it in order.
    /// </summary>
    public bool Invalid;

    public ReadOnlySpan<ReadEntry> Reads => _reads.AsSpan(0, ReadCount);
    public ReadOnlySpan<WriteEntry> Writes => _writes.AsSpan(0, WriteCount);

    public void Reset()
    {
        ReadCount = 0;
        WriteCount = 0;
        _readIndex?.Clear();
        _writeIndex?.Clear();
        Outcome = ExecutionOutcome.Success;
        GasUsed = 0;
        Invalid = false;
    }

    /// <summary>Drops the writes of a failed attempt; its reads stay (the failure depended on them).</summary>
    public void DiscardWrites()
    {
        WriteCount = 0;
        _writeIndex?.Clear();
    }

    public int FindRead(in StateKey key) => Find(_reads, ReadCount, _readIndex, key);

    public int FindWrite(in StateKey key) => Find(_writes, WriteCount, _writeIndex, key);

    // Generic over the entry struct: the JIT compiles one specialised copy per type, no boxing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Find<T>(T[] entries, int count, Dictionary<StateKey, int>? index, in StateKey key) where T : struct, IKeyed
    {
        if (index is { Count: > 0 }) return index.TryGetValue(key, out int found) ? found : -1;
        for (int i = 0; i < count; i++) if (entries[i].Key.Equals(key)) return i;
        return -1;
    }

    public ref readonly ReadEntry ReadAt(int index) => ref _reads[index];

    public ref WriteEntry WriteAt(int index) => ref _writes[index];

    public void AddRead(in StateKey key, in UInt256 value, int source, int slot = -1)
    {
        if (ReadCount == _reads.Length) Array.Resize(ref _reads, _reads.Length * 2);
        _reads[ReadCount] = new ReadEntry { Key = key, Value = value, Source = source, Slot = slot };
        if (ReadCount >= LinearSearchLimit) Index(ref _readIndex, _reads, ReadCount);
        ReadCount++;
    }

    public void AddWrite(in StateKey key, in UInt256 value, bool isDelta)
    {
        if (WriteCount == _writes.Length) Array.Resize(ref _writes, _writes.Length * 2);
        _writes[WriteCount] = new WriteEntry { Key = key, Value = value, IsDelta = isDelta, Slot = -1 };
        if (WriteCount >= LinearSearchLimit) Index(ref _writeIndex, _writes, WriteCount);
        WriteCount++;
    }

    // Past a handful of keys, switch from a linear scan to a dictionary (built once, then kept up to date).
    private static void Index<T>(ref Dictionary<StateKey, int>? index, T[] entries, int newIndex) where T : struct, IKeyed
    {
        index ??= new Dictionary<StateKey, int>();
        if (index.Count == 0) for (int i = 0; i < newIndex; i++) index[entries[i].Key] = i;
        index[entries[newIndex].Key] = newIndex;
    }

    /// <summary>
    /// Starts loading the lines the committer reads first: <paramref name="next"/>'s first entries
    /// (its object was prefetched a step earlier) and <paramref name="afterNext"/>'s object. Outputs
    /// are scattered objects written by other cores; fetched one after another, their misses were
    /// about half of the committer's time per transaction.
    /// </summary>
    public static void PrefetchForCommit(TxOutput? next, TxOutput? afterNext)
    {
        if (!Prefetch.IsSupported) return;
        if (next is not null)
        {
            PrefetchEntries(next._reads, next.ReadCount * Unsafe.SizeOf<ReadEntry>());
            PrefetchEntries(next._writes, next.WriteCount * Unsafe.SizeOf<WriteEntry>());
        }
        Prefetch.Object(afterNext);
    }

    // An array's first lines of entries (at most four): past its 16-byte header.
    private static void PrefetchEntries(Array entries, int bytes)
    {
        int end = Math.Min(16 + bytes, 16 + 4 * 64);
        for (int offset = 16; offset < end; offset += 64) Prefetch.Object(entries, offset);
    }

    public Receipt ToReceipt(int index) =>
        new(index, Outcome.IsSuccess, GasUsed, Outcome.Reason, Outcome.Detail);
}
