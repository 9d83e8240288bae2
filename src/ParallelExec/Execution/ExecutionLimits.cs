namespace ParallelExec.Execution;

/// <summary>Engine-wide bounds that keep a hostile or broken transaction from stalling a block.</summary>
public static class ExecutionLimits
{
    /// <summary>State reads, writes and credits one transaction may make before it fails with StepLimit.</summary>
    public const int MaxStateAccesses = 100_000;

    /// <summary>Declared hints above this many keys are ignored (Nethermind once saw 12,534 declared, ~67 used).</summary>
    public const int MaxHintKeys = 256;

    /// <summary>
    /// Likely keys (<see cref="ITransaction.AppendLikelyKeys"/>) used per transaction: the first this
    /// many are prefetched, the rest are not (a prefetch of keys nobody reads costs only time, but
    /// without a bound one transaction could make a block read thousands).
    /// </summary>
    public const int MaxLikelyKeys = 256;
}
