namespace ParallelExec.State;

/// <summary>
/// A world state held in a dictionary: the embedded default for tests, benchmarks and nodes that
/// bring their own persistence. Concurrent reads are safe; writes (<see cref="Apply"/>) are not and
/// must not overlap a block's execution.
/// </summary>
public sealed class InMemoryState : IStateReader
{
    private readonly Dictionary<StateKey, UInt256> _values;

    /// <summary>An empty state with room for <paramref name="capacity"/> keys.</summary>
    public InMemoryState(int capacity = 0) => _values = new Dictionary<StateKey, UInt256>(capacity);

    /// <summary>Keys held.</summary>
    public int Count => _values.Count;

    /// <inheritdoc/>
    public bool TryGet(in StateKey key, out UInt256 value) => _values.TryGetValue(key, out value);

    /// <summary>The value of <paramref name="key"/> (zero when absent).</summary>
    public UInt256 Get(in StateKey key) => _values.TryGetValue(key, out var value) ? value : default;

    /// <summary>Sets the value of <paramref name="key"/>.</summary>
    public void Set(in StateKey key, in UInt256 value) => _values[key] = value;

    /// <summary>Applies a block's final changes.</summary>
    public void Apply(IEnumerable<StateChange> changes)
    {
        foreach (var change in changes) _values[change.Key] = change.Value;
    }

    /// <summary>Every key and its value.</summary>
    public IEnumerable<KeyValuePair<StateKey, UInt256>> Entries => _values;

    /// <summary>An independent copy.</summary>
    public InMemoryState Clone()
    {
        var copy = new InMemoryState(_values.Count);
        foreach (var (key, value) in _values) copy._values.Add(key, value);
        return copy;
    }
}
