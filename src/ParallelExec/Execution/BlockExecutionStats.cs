namespace ParallelExec.Execution;

/// <summary>How a block was executed. Not part of the result's content: two runs may differ here.</summary>
public sealed record BlockExecutionStats
{
    /// <summary>The executor's name (sequential or parallel).</summary>
    public required string Executor { get; init; }
    /// <summary>Worker threads it ran with.</summary>
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
    /// <summary>Times contention switched the block to sequential execution.</summary>
    public long SequentialFallbacks { get; init; }
    /// <summary>Transactions run in order by the committer (sequential stretches and dependency waits).</summary>
    public long CommitterExecutions { get; init; }
    /// <summary>Wall-clock time of the block's execution.</summary>
    public TimeSpan Elapsed { get; init; }
}
