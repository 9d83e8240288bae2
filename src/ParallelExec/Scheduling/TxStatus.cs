namespace ParallelExec.Scheduling;

/// <summary>Life of a transaction within a block run. Moves forward only; one int per transaction, changed with CAS.</summary>
internal static class TxStatus
{
    /// <summary>Not yet run; a worker (speculatively) or the committer (in order) may claim it.</summary>
    public const int Pending = 0;
    /// <summary>Claimed by a worker running it speculatively.</summary>
    public const int Executing = 1;
    /// <summary>A speculative output is ready for validation.</summary>
    public const int Executed = 2;
    /// <summary>Final: validated (or re-executed) and applied in block order.</summary>
    public const int Committed = 3;
}
