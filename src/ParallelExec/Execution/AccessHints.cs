using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// Keys a transaction declares it will read and write. Hints only steer scheduling: they may be
/// missing, incomplete or wrong and the result stays exact. Hints larger than
/// <see cref="ExecutionLimits.MaxHintKeys"/> are ignored (never trusted, always bounded).
/// </summary>
public sealed class AccessHints(StateKey[] reads, StateKey[] writes)
{
    /// <summary>Keys the transaction declares it reads.</summary>
    public StateKey[] Reads { get; } = reads;
    /// <summary>Keys the transaction declares it writes.</summary>
    public StateKey[] Writes { get; } = writes;

    /// <summary>Declared keys, reads and writes together.</summary>
    public int Count => Reads.Length + Writes.Length;
}
