using System.Collections.Concurrent;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// Reads through to a store and remembers the first answer for every key (safe for concurrent
/// reads). While a block executes the store does not change, so what it remembers is each key's value
/// before the block: the undo journal can take it instead of reading the store again.
/// </summary>
public sealed class RecordingStateReader(IStateReader inner, int capacity = 0) : IStateReader
{
    private readonly ConcurrentDictionary<StateKey, (bool Existed, UInt256 Value)> _seen =
        new(Math.Max(1, Environment.ProcessorCount), Math.Max(31, capacity));

    /// <summary>The pre-block value (or absence) of every key read so far.</summary>
    public IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)> Seen => _seen;

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
}
