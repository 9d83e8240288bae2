using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The state after a block whose commit has not finished: that block's changes, then (optionally) the
/// changes of the block before it, also not committed yet, and the committed state for every other
/// key. A key a pending block changed reads from its changes whether or not its commit has landed yet;
/// any other key reads the same before and after those commits. So a block executed over this reader
/// sees exactly the state after the block before it. Concurrent reads are safe when the committed
/// state allows reads during a commit (<see cref="IStateStore"/> does).
/// </summary>
public sealed class OverlayStateReader : IStateReader, SplitBatchedRead.IOwnAnswers
{
    private readonly IStateReader _committed;
    private readonly Dictionary<StateKey, UInt256> _changes;
    private readonly Dictionary<StateKey, UInt256>? _before; // the previous pending block's changes

    /// <param name="committed">The committed state underneath.</param>
    /// <param name="changes">The pending block's changes, read before the committed state.</param>
    /// <param name="previous">
    /// The overlay of the block before, when its commit may not have landed either. Only its own
    /// changes are kept (the block before it must be committed by now), so overlays never chain.
    /// </param>
    public OverlayStateReader(IStateReader committed, ReadOnlySpan<StateChange> changes, OverlayStateReader? previous = null)
        : this(committed, changes, previous, recycled: null)
    {
    }

    /// <summary>
    /// As the public constructor, keeping the changes in <paramref name="recycled"/> (cleared first)
    /// when given: the dictionary of an overlay nothing reads any more, whose room a pipeline reuses
    /// rather than making a new one (~2 MB for a block of 10,000 transfers) every block.
    /// </summary>
    internal OverlayStateReader(IStateReader committed, ReadOnlySpan<StateChange> changes, OverlayStateReader? previous,
        Dictionary<StateKey, UInt256>? recycled)
    {
        ArgumentNullException.ThrowIfNull(committed);
        _committed = committed;
        _before = previous?._changes;
        if (recycled is not null && !ReferenceEquals(recycled, _before))
        {
            recycled.Clear();
            recycled.EnsureCapacity(changes.Length);
            _changes = recycled;
        }
        else
        {
            _changes = new Dictionary<StateKey, UInt256>(changes.Length);
        }
        foreach (var change in changes) _changes[change.Key] = change.Value;
    }

    /// <summary>The pending block's changes by key (for a pipeline to reuse once nothing reads this overlay).</summary>
    internal Dictionary<StateKey, UInt256> Changes => _changes;

    /// <summary>Keys the pending block changed.</summary>
    public int Count => _changes.Count;

    /// <inheritdoc/>
    public bool TryGet(in StateKey key, out UInt256 value) =>
        TryGetPending(key, out value) || _committed.TryGet(key, out value);

    private bool TryGetPending(in StateKey key, out UInt256 value) =>
        _changes.TryGetValue(key, out value) || (_before is not null && _before.TryGetValue(key, out value));

    /// <summary>Keys the pending blocks changed are answered here; the others in one batch from the committed state.</summary>
    public void TryGetMany(ReadOnlySpan<StateKey> keys, Span<UInt256> values, Span<bool> found) =>
        SplitBatchedRead.Read(this, _committed, keys, values, found);

    bool SplitBatchedRead.IOwnAnswers.TryAnswer(in StateKey key, out UInt256 value, out bool found) => found = TryGetPending(key, out value);

    void SplitBatchedRead.IOwnAnswers.Learned(in StateKey key, bool found, in UInt256 value)
    {
        // The committed state is the store's: nothing to keep.
    }
}
