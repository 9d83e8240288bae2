using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The state after a block whose commit has not finished: that block's changes, and the committed
/// state for every other key. A key the block changed reads from the changes whether or not the commit
/// has landed yet; any other key reads the same before and after that commit. So a block executed over
/// this reader sees exactly the state after the block before it. Concurrent reads are safe when the
/// committed state allows reads during a commit (<see cref="IStateStore"/> does).
/// </summary>
public sealed class OverlayStateReader : IStateReader
{
    private readonly IStateReader _committed;
    private readonly Dictionary<StateKey, UInt256> _changes;

    public OverlayStateReader(IStateReader committed, ReadOnlySpan<StateChange> changes)
    {
        ArgumentNullException.ThrowIfNull(committed);
        _committed = committed;
        _changes = new Dictionary<StateKey, UInt256>(changes.Length);
        foreach (var change in changes) _changes[change.Key] = change.Value;
    }

    /// <summary>Keys the pending block changed.</summary>
    public int Count => _changes.Count;

    public bool TryGet(in StateKey key, out UInt256 value) =>
        _changes.TryGetValue(key, out value) || _committed.TryGet(key, out value);
}
