using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// The state as a transaction at a given block position sees it, before its own writes: the
/// committed prefix of the block (sequential and final execution) or the multi-version map
/// (speculative execution).
/// </summary>
internal interface IStateView
{
    /// <summary>Reads <paramref name="key"/> as seen by transaction <paramref name="txIndex"/>;
    /// <paramref name="source"/> is the writer's index, or -1 for the starting state.
    /// Returns false when the value cannot be resolved (pending credits overflow).</summary>
    bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source);

    /// <summary>
    /// <see cref="TryRead(in StateKey, int, out UInt256, out int)"/>, also giving where the view keeps
    /// <paramref name="key"/> (<paramref name="slot"/>, recorded with the read so a later check of the
    /// same view need not look the key up again), or -1 when it keeps no such place. What a
    /// transaction's reads go through: each view implements it directly (one interface call per read).
    /// </summary>
    bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source, out int slot);
}
