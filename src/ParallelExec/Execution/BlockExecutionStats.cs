namespace ParallelExec.Execution;

/// <summary>How a block was executed. Not part of the result's content: two runs may differ here.</summary>
public sealed record BlockExecutionStats
{
    /// <summary>The executor's name (sequential or parallel).</summary>
    public required string Executor { get; init; }
    /// <summary>Workers that ran the block (at most one per core unless the executor oversubscribes).</summary>
    public required int Workers { get; init; }
    /// <summary>Transactions in the block.</summary>
    public required int Transactions { get; init; }
    /// <summary>Executions of any incarnation, speculative or final.</summary>
    public long Executions { get; init; }
    /// <summary>Executions beyond the first of a transaction.</summary>
    public long Reexecutions { get; init; }
    /// <summary>Speculative results whose reads had changed when validated.</summary>
    public long ValidationFailures { get; init; }
    /// <summary>Times a worker left a transaction because a declared predecessor had not run yet.</summary>
    public long DependencyWaits { get; init; }
    /// <summary>Times the block switched to sequential execution (contention, speculation not paying, measuring).</summary>
    public long SequentialFallbacks { get; init; }
    /// <summary>
    /// Of <see cref="SequentialFallbacks"/>, the short stretches run in order only to measure what that
    /// costs (the reference speculation is judged by: the first of a process, then one every ~8,000
    /// commits while speculation wins), not because speculation had lost.
    /// </summary>
    public long MeasuringStretches { get; init; }
    /// <summary>Transactions run in order by the committer (sequential stretches, dependency waits, take-overs).</summary>
    public long CommitterExecutions { get; init; }
    /// <summary>Speculative results that passed validation and were committed as they were.</summary>
    public long SpeculativeCommits { get; init; }
    /// <summary>
    /// Speculative runs that met an engine fault (a state read that failed, an exception of the
    /// machine): their output was dropped and the transaction run again in order, where a fault
    /// fails the block only if sequential execution meets it too.
    /// </summary>
    public long SpeculativeFaults { get; init; }
    /// <summary>
    /// Transactions the committer took over from a worker still running them speculatively, rather
    /// than wait (the worker's run stops at its next state access or gas charge, its output dropped).
    /// </summary>
    public long Takeovers { get; init; }
    /// <summary>
    /// Whether an in-order stretch outlasted the block, so that the rest of it ran as a block run wholly
    /// in order does (on the caller's thread, entries found by key, nothing published for workers).
    /// </summary>
    public bool InOrderToEnd { get; init; }
    /// <summary>
    /// Time the committer spent validating and applying speculative outputs: the serial path of a
    /// speculating block, which bounds its speed-up on any number of cores (executions it ran in
    /// order are not included). Divided by <see cref="SpeculativeCommits"/> plus
    /// <see cref="ValidationFailures"/>: the serial cost per transaction.
    /// </summary>
    public TimeSpan ValidationTime { get; init; }
    /// <summary>Wall-clock time of the block's execution.</summary>
    public TimeSpan Elapsed { get; init; }
    /// <summary>Whether the block ran on the access-list path (<see cref="ExecutionOptions.AccessList"/>).</summary>
    public AccessLists.AccessListOutcome AccessList { get; init; }
    /// <summary>Why a (lenient) access list was dropped; null otherwise.</summary>
    public string? AccessListProblem { get; init; }
}
