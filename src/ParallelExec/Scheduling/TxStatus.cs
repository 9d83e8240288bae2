namespace ParallelExec.Scheduling;

/// <summary>
/// Life of a transaction within a block run: one int per transaction, changed with CAS. A worker's
/// speculative run goes Pending → Executing → Publishing → Executed → Committed; the committer may
/// take a Pending or Executing transaction over (→ TakenOver → Committed) and run it in order
/// itself, so it never waits on a speculative execution. Whoever wins the CAS out of Executing owns
/// the transaction: a worker that loses it drops its output unpublished.
/// </summary>
internal static class TxStatus
{
    /// <summary>Not yet run; a worker (speculatively) or the committer (in order) may claim it.</summary>
    public const int Pending = 0;
    /// <summary>Claimed by a worker running it speculatively.</summary>
    public const int Executing = 1;
    /// <summary>Its worker finished and is publishing its writes (short: no transaction code runs).</summary>
    public const int Publishing = 2;
    /// <summary>A speculative output is ready for validation.</summary>
    public const int Executed = 3;
    /// <summary>The committer runs it in order (its speculative run, if any, is abandoned).</summary>
    public const int TakenOver = 4;
    /// <summary>Final: validated (or re-executed) and applied in block order.</summary>
    public const int Committed = 5;
}
