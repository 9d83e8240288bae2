using ParallelExec.State;

namespace ParallelExec.MultiVersion;

/// <summary>
/// The versions of one state location within a block: the value (or credit) each transaction wrote,
/// sorted by transaction index. A reader at position i sees the highest writer below i.
/// Most locations get one version per block, so arrays are only allocated (and kept, pooled)
/// for locations written more than once; a list is one small object otherwise.
/// Every worker reads and writes lists of the keys its transactions touch, and the committer those of
/// the keys it validates, so a list's cache line moves between cores: a read of a key nobody wrote
/// stores nothing into it (it was a counter, written at every read), and the short critical sections
/// take a lock word of the list's own with one compare-and-swap, not the runtime's monitor (a call
/// into the runtime to enter and another to leave).
/// </summary>
internal sealed class VersionList
{
    private const int InitialCapacity = 4;

    // Either inline (no version, or one in the fields below) or in the arrays, sorted by writer.
    // The arrays are allocated the first time a location gets two versions and kept (pooled lists).
    private bool _inArrays;
    private int _writer0;
    private UInt256 _value0;
    private bool _isDelta0;
    private int[]? _writers;
    private UInt256[]? _values;
    private bool[]? _isDelta;
    private int _count;
    private bool _read;
    private int _lock;

    /// <summary>Versions after which credits to a key nobody has read stop being published.</summary>
    public const int UnreadCreditLimit = 32;

    /// <summary>The location this list holds versions of (set when taken from the pool).</summary>
    public StateKey Key { get; private set; }

    /// <summary>
    /// The key's id in this block: dense from 0 in the order keys were first touched, one per key
    /// (<see cref="MultiVersionMap.KeyId"/>). The committer indexes its committed prefix by it.
    /// </summary>
    public int Id { get; set; }

    /// <summary>Takes the list for <paramref name="key"/>, with no versions.</summary>
    public void Assign(in StateKey key)
    {
        Key = key;
        _count = 0;
        _read = false;
        _inArrays = false;
    }

    /// <summary>
    /// True for a hot key that many transactions credit and no speculative execution has read
    /// (a fee beneficiary). Publishing further credits would only make workers contend on this
    /// list; a later reader that misses them fails validation and is re-executed in order.
    /// Read without the lock: a heuristic, never needed for correctness.
    /// </summary>
    public bool IsUnreadCreditSink => _count >= UnreadCreditLimit && !Volatile.Read(ref _read);

    public void Set(int writer, in UInt256 value, bool isDelta)
    {
        Enter();
        try
        {
            if (!_inArrays)
            {
                if (_count == 0 || _writer0 == writer)
                {
                    _writer0 = writer; _value0 = value; _isDelta0 = isDelta;
                    _count = 1;
                    return;
                }
                MoveToArrays();
            }
            int pos = Find(writer, out bool found);
            if (!found)
            {
                if (_count == _writers!.Length) Grow();
                int tail = _count - pos;
                if (tail > 0)
                {
                    Array.Copy(_writers, pos, _writers, pos + 1, tail);
                    Array.Copy(_values!, pos, _values!, pos + 1, tail);
                    Array.Copy(_isDelta!, pos, _isDelta!, pos + 1, tail);
                }
                _count++;
                _writers[pos] = writer;
            }
            _values![pos] = value;
            _isDelta![pos] = isDelta;
        }
        finally
        {
            Exit();
        }
    }

    private void MoveToArrays()
    {
        _writers ??= new int[InitialCapacity];
        _values ??= new UInt256[InitialCapacity];
        _isDelta ??= new bool[InitialCapacity];
        _writers[0] = _writer0; _values[0] = _value0; _isDelta[0] = _isDelta0;
        _inArrays = true;
    }

    public void Remove(int writer)
    {
        Enter();
        try
        {
            if (!_inArrays)
            {
                if (_count == 1 && _writer0 == writer) _count = 0;
                return;
            }
            int pos = Find(writer, out bool found);
            if (!found) return;
            int tail = _count - pos - 1;
            if (tail > 0)
            {
                Array.Copy(_writers!, pos + 1, _writers!, pos, tail);
                Array.Copy(_values!, pos + 1, _values!, pos, tail);
                Array.Copy(_isDelta!, pos + 1, _isDelta!, pos, tail);
            }
            _count--;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Resolves the value seen by transaction <paramref name="reader"/>. Returns
    /// <see cref="ReadResult.Absolute"/> with the value, <see cref="ReadResult.OnStart"/> with the sum
    /// of credits to add to the starting state, <see cref="ReadResult.None"/>, or
    /// <see cref="ReadResult.Overflow"/> when the credits alone pass 2^256.
    /// <paramref name="writer"/> is the highest writer below the reader (-1 when none).
    /// </summary>
    public ReadResult Read(int reader, out UInt256 value, out int writer)
    {
        value = default;
        writer = -1;
        if (Volatile.Read(ref _count) == 0)
        {
            // Nothing written yet (most keys a block reads): no lock. A write racing with this read
            // is one the reader may miss anyway; validation decides.
            MarkRead();
            return ReadResult.None;
        }
        Enter();
        try
        {
            MarkRead();
            value = default;
            writer = -1;
            if (_count == 0) return ReadResult.None;
            if (!_inArrays)
            {
                if (_writer0 >= reader) return ReadResult.None;
                writer = _writer0;
                value = _value0;
                return _isDelta0 ? ReadResult.OnStart : ReadResult.Absolute;
            }
            int pos = Find(reader, out _) - 1;
            if (pos < 0) return ReadResult.None;
            writer = _writers![pos];
            UInt256 credits = default;
            for (; pos >= 0; pos--)
            {
                if (!_isDelta![pos])
                {
                    if (!UInt256.TryAdd(_values![pos], credits, out value)) return ReadResult.Overflow;
                    return ReadResult.Absolute;
                }
                if (!UInt256.TryAdd(credits, _values![pos], out credits)) return ReadResult.Overflow;
            }
            value = credits;
            return ReadResult.OnStart;
        }
        finally
        {
            Exit();
        }
    }

    // Stored once per block: a store at every read would take the line from the other cores each time.
    private void MarkRead()
    {
        if (!_read) _read = true;
    }

    // Held for a few loads and stores: spin (yielding, then sleeping, if the holder was descheduled).
    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _lock, 1, 0) == 0) return;
        var spin = new SpinWait();
        do spin.SpinOnce();
        while (Volatile.Read(ref _lock) != 0 || Interlocked.CompareExchange(ref _lock, 1, 0) != 0);
    }

    private void Exit() => Volatile.Write(ref _lock, 0);

    // Index of the entry for `writer` in the arrays, or where it would be inserted. Most writes arrive near the end.
    private int Find(int writer, out bool found)
    {
        int lo = 0, hi = _count - 1;
        if (hi >= 0 && _writers![hi] < writer) { found = false; return _count; }
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int w = _writers![mid];
            if (w == writer) { found = true; return mid; }
            if (w < writer) lo = mid + 1; else hi = mid - 1;
        }
        found = false;
        return lo;
    }

    private void Grow()
    {
        int size = _writers!.Length * 2;
        Array.Resize(ref _writers, size);
        Array.Resize(ref _values, size);
        Array.Resize(ref _isDelta, size);
    }
}

internal enum ReadResult : byte
{
    None,
    Absolute,
    OnStart,
    Overflow,
}
