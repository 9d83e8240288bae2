using System.Buffers;
using System.Collections.Concurrent;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// Reads through to a store and remembers the first answer for every key (safe for concurrent
/// reads). While a block executes the store does not change, so what it remembers is each key's value
/// before the block: the undo journal can take it instead of reading the store again.
/// </summary>
public sealed class RecordingStateReader(IStateReader inner, int capacity = 0) : IStateReader, SplitBatchedRead.IOwnAnswers
{
    private readonly ConcurrentDictionary<StateKey, (bool Existed, UInt256 Value)> _seen =
        new(Math.Max(1, Environment.ProcessorCount), Math.Max(31, capacity));

    /// <summary>The pre-block value (or absence) of every key read so far.</summary>
    public IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)> Seen => _seen;

    /// <inheritdoc/>
    public bool TryGet(in StateKey key, out UInt256 value)
    {
        if (_seen.TryGetValue(key, out var known))
        {
            value = known.Value;
            return known.Existed;
        }
        bool found = inner.TryGet(key, out value);
        _seen.TryAdd(key, (found, value));
        return found;
    }

    /// <summary>
    /// Answers the keys read before from memory and reads the others from the store in one batch
    /// (RocksDB: MultiGet), remembering them: a block executed with an access list reads every key the
    /// list names this way.
    /// </summary>
    public void TryGetMany(ReadOnlySpan<StateKey> keys, Span<UInt256> values, Span<bool> found) =>
        SplitBatchedRead.Read(this, inner, keys, values, found);

    bool SplitBatchedRead.IOwnAnswers.TryAnswer(in StateKey key, out UInt256 value, out bool found)
    {
        if (_seen.TryGetValue(key, out var known))
        {
            value = known.Value;
            found = known.Existed;
            return true;
        }
        value = default;
        found = false;
        return false;
    }

    void SplitBatchedRead.IOwnAnswers.Learned(in StateKey key, bool found, in UInt256 value) => _seen.TryAdd(key, (found, value));

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
            inner.TryGetMany(keys, values.AsSpan(0, keys.Length), found.AsSpan(0, keys.Length));
            for (int i = 0; i < keys.Length; i++) _seen.TryAdd(keys[i], (found[i], values[i]));
        }
        finally
        {
            ArrayPool<UInt256>.Shared.Return(values);
            ArrayPool<bool>.Shared.Return(found);
        }
    }
}
