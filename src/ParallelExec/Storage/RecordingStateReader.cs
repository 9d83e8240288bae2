using System.Buffers;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// Reads through to a store and remembers the first answer for every key (safe for concurrent
/// reads). While a block executes the store does not change, so what it remembers is each key's value
/// before the block: the undo journal can take it instead of reading the store again.
/// <para>
/// The answers are kept in dictionaries of plain entries, one per stripe of keys under its own lock, not
/// in a concurrent dictionary: that allocates an object per key, and a block's 30,000 of them lived
/// through its execution, root and commit, long enough to reach the oldest generation and set off full
/// collections of the whole heap (the trie's millions of nodes). A reader can be used again for another
/// block (<see cref="Reuse"/>), keeping its dictionaries' room.
/// </para>
/// </summary>
public sealed class RecordingStateReader : IStateReader, SplitBatchedRead.IOwnAnswers
{
    private const int Stripes = 16; // a power of two

    private readonly Dictionary<StateKey, (bool Existed, UInt256 Value)>[] _stripes = new Dictionary<StateKey, (bool, UInt256)>[Stripes];
    private IStateReader _inner;

    /// <summary>A reader over <paramref name="inner"/> with room for about <paramref name="capacity"/> keys before it grows.</summary>
    public RecordingStateReader(IStateReader inner, int capacity = 0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        for (int s = 0; s < Stripes; s++) _stripes[s] = new Dictionary<StateKey, (bool, UInt256)>(StripeCapacity(capacity));
        Seen = new SeenValues(this);
    }

    /// <summary>The pre-block value (or absence) of every key read so far.</summary>
    public IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)> Seen { get; }

    /// <summary>Keys remembered.</summary>
    public int Count
    {
        get
        {
            int count = 0;
            foreach (var stripe in _stripes)
                lock (stripe) count += stripe.Count;
            return count;
        }
    }

    /// <summary>Room the dictionaries keep for keys (what a <see cref="Reuse"/> keeps).</summary>
    internal int Capacity
    {
        get
        {
            int capacity = 0;
            foreach (var stripe in _stripes)
                lock (stripe) capacity += stripe.EnsureCapacity(0);
            return capacity;
        }
    }

    /// <summary>
    /// Forgets every key and reads through to <paramref name="inner"/> from now on, with room for about
    /// <paramref name="capacity"/> keys: the reader of a block whose commit has landed, for the next
    /// block. Not while anything else uses it.
    /// </summary>
    internal void Reuse(IStateReader inner, int capacity)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        int perStripe = StripeCapacity(capacity);
        foreach (var stripe in _stripes)
        {
            stripe.Clear();
            stripe.EnsureCapacity(perStripe);
        }
    }

    /// <summary>Forgets every key and lets go of the reader underneath (a reader kept for later use).</summary>
    internal void Release() => Reuse(NoState, 0);

    /// <summary>An empty state: what a reader kept for later reads through to meanwhile.</summary>
    internal static readonly InMemoryState NoState = new();

    // A little over an even share: keys spread unevenly, and growing a dictionary copies it.
    private static int StripeCapacity(int capacity) => capacity <= 0 ? 0 : capacity / Stripes + capacity / (4 * Stripes) + 16;

    private Dictionary<StateKey, (bool Existed, UInt256 Value)> StripeOf(in StateKey key) => _stripes[key.GetHashCode() & (Stripes - 1)];

    private bool TryRecall(in StateKey key, out (bool Existed, UInt256 Value) known)
    {
        var stripe = StripeOf(key);
        lock (stripe) return stripe.TryGetValue(key, out known);
    }

    // The first answer stays: every reader records the same pre-block value anyway.
    private void Remember(in StateKey key, bool existed, in UInt256 value)
    {
        var stripe = StripeOf(key);
        lock (stripe) stripe.TryAdd(key, (existed, value));
    }

    /// <inheritdoc/>
    public bool TryGet(in StateKey key, out UInt256 value)
    {
        if (TryRecall(key, out var known))
        {
            value = known.Value;
            return known.Existed;
        }
        bool found = _inner.TryGet(key, out value);
        Remember(key, found, value);
        return found;
    }

    /// <summary>
    /// Answers the keys read before from memory and reads the others from the store in one batch
    /// (RocksDB: MultiGet), remembering them: a block executed with an access list reads every key the
    /// list names this way.
    /// </summary>
    public void TryGetMany(ReadOnlySpan<StateKey> keys, Span<UInt256> values, Span<bool> found) =>
        SplitBatchedRead.Read(this, _inner, keys, values, found);

    bool SplitBatchedRead.IOwnAnswers.TryAnswer(in StateKey key, out UInt256 value, out bool found)
    {
        if (TryRecall(key, out var known))
        {
            value = known.Value;
            found = known.Existed;
            return true;
        }
        value = default;
        found = false;
        return false;
    }

    void SplitBatchedRead.IOwnAnswers.Learned(in StateKey key, bool found, in UInt256 value) => Remember(key, found, value);

    /// <summary>
    /// Reads <paramref name="keys"/> (distinct, not read yet) from the store in one batch and remembers
    /// them, so the block's reads of them are answered from memory. Safe alongside <see cref="TryGet"/>:
    /// both record the same pre-block value.
    /// </summary>
    public void Prefetch(ReadOnlySpan<StateKey> keys)
    {
        var values = ArrayPool<UInt256>.Shared.Rent(keys.Length);
        var found = ArrayPool<bool>.Shared.Rent(keys.Length);
        try
        {
            _inner.TryGetMany(keys, values.AsSpan(0, keys.Length), found.AsSpan(0, keys.Length));
            for (int i = 0; i < keys.Length; i++) Remember(keys[i], found[i], values[i]);
        }
        finally
        {
            ArrayPool<UInt256>.Shared.Return(values);
            ArrayPool<bool>.Shared.Return(found);
        }
    }

    /// <summary>The remembered values as a read-only dictionary (what the undo journal takes).</summary>
    private sealed class SeenValues(RecordingStateReader reader) : IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>
    {
        public (bool Existed, UInt256 Value) this[StateKey key] =>
            TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"{key} was not read");

        public IEnumerable<StateKey> Keys
        {
            get
            {
                foreach (var pair in this) yield return pair.Key;
            }
        }

        public IEnumerable<(bool Existed, UInt256 Value)> Values
        {
            get
            {
                foreach (var pair in this) yield return pair.Value;
            }
        }

        public int Count => reader.Count;

        public bool ContainsKey(StateKey key) => reader.TryRecall(key, out _);

        public bool TryGetValue(StateKey key, [MaybeNullWhen(false)] out (bool Existed, UInt256 Value) value) => reader.TryRecall(key, out value);

        // A copy of each stripe, taken under its lock: enumerating is safe while reads go on.
        public IEnumerator<KeyValuePair<StateKey, (bool Existed, UInt256 Value)>> GetEnumerator()
        {
            foreach (var stripe in reader._stripes)
            {
                KeyValuePair<StateKey, (bool, UInt256)>[] copy;
                lock (stripe) copy = [.. stripe];
                foreach (var pair in copy) yield return pair;
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
