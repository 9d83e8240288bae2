namespace ParallelExec.Execution;

/// <summary>Engine-wide bounds that keep a hostile or broken transaction from stalling a block.</summary>
public static class ExecutionLimits
{
    /// <summary>State reads, writes and credits one transaction may make before it fails with StepLimit.</summary>
    public const int MaxStateAccesses = 100_000;

    /// <summary>Declared hints above this many keys are ignored (Nethermind once saw 12,534 declared, ~67 used).</summary>
    public const int MaxHintKeys = 256;
}
