using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// What a state store records about a committed block: its number, the state root after it and the
/// hash of the block itself (see <see cref="BlockHash"/>; zero for a genesis state).
/// </summary>
public readonly record struct StoredBlock(long Number, Hash256 StateRoot, Hash256 BlockHash)
{
    /// <inheritdoc/>
    public override string ToString() => $"block {Number} (state root {StateRoot})";
}
