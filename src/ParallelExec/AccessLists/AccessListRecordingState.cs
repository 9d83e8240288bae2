using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// The block's starting state, carrying the recorder that should see the block's commits. An
/// executor asked to record an access list passes this in place of the state; the block overlay
/// unwraps it on reset (so its own reads go straight to <see cref="Inner"/>) and feeds every
/// committed output to <see cref="Recorder"/>. Anything else that reads through it is forwarded.
/// </summary>
internal sealed class AccessListRecordingState(IStateReader inner, AccessListRecorder recorder) : IStateReader
{
    public IStateReader Inner { get; } = inner;
    public AccessListRecorder Recorder { get; } = recorder;

    public bool TryGet(in StateKey key, out UInt256 value) => Inner.TryGet(key, out value);

    public void TryGetMany(ReadOnlySpan<StateKey> keys, Span<UInt256> values, Span<bool> found) => Inner.TryGetMany(keys, values, found);
}
