using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>
/// A block's pre-state made only from its witness: each entry's value (absent keys read as not
/// present); any other key throws <see cref="WitnessKeyMissingException"/>. Read-only after
/// construction, so safe for the parallel executor's workers.
/// </summary>
public sealed class WitnessStateReader : IStateReader
{
    private readonly Dictionary<StateKey, WitnessEntry> _entries;

    /// <summary>A reader over <paramref name="witness"/>'s entries.</summary>
    public WitnessStateReader(ExecutionWitness witness)
    {
        ArgumentNullException.ThrowIfNull(witness);
        _entries = new Dictionary<StateKey, WitnessEntry>(witness.Entries.Count);
        foreach (var entry in witness.Entries) _entries[entry.Key] = entry;
    }

    /// <inheritdoc/>
    public bool TryGet(in StateKey key, out UInt256 value)
    {
        if (!_entries.TryGetValue(key, out var entry)) throw new WitnessKeyMissingException(key);
        value = entry.Value;
        return entry.Present;
    }
}
