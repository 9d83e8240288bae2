using System.Diagnostics.Metrics;
using ParallelExec.Execution;

namespace ParallelExec.Metrics;

/// <summary>
/// Engine counters on the "ParallelExec" meter (System.Diagnostics.Metrics), tagged by executor:
/// listen with dotnet-counters, OpenTelemetry or a MeterListener.
/// </summary>
public static class ExecutionMetrics
{
    /// <summary>The name of the meter the engine publishes on.</summary>
    public const string MeterName = "ParallelExec";

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly Counter<long> Blocks = Meter.CreateCounter<long>("parallelexec.blocks", description: "Blocks executed");
    private static readonly Counter<long> Transactions = Meter.CreateCounter<long>("parallelexec.transactions", description: "Transactions executed");
    private static readonly Counter<long> Executions = Meter.CreateCounter<long>("parallelexec.executions", description: "Transaction incarnations run");
    private static readonly Counter<long> Reexecutions = Meter.CreateCounter<long>("parallelexec.reexecutions", description: "Incarnations beyond the first");
    private static readonly Counter<long> ValidationFailures = Meter.CreateCounter<long>("parallelexec.validation_failures", description: "Speculative results whose reads changed");
    private static readonly Counter<long> DependencyWaits = Meter.CreateCounter<long>("parallelexec.dependency_waits", description: "Transactions held back by a declared dependency");
    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("parallelexec.sequential_fallbacks", description: "Switches to in-order execution (contention, speculation not paying, measuring the in-order cost)");
    private static readonly Counter<long> SpeculativeFaults = Meter.CreateCounter<long>("parallelexec.speculative_faults", description: "Speculative runs that met an engine fault and were run again in order");
    private static readonly Counter<long> Takeovers = Meter.CreateCounter<long>("parallelexec.takeovers", description: "Speculative runs the committer took over instead of waiting");
    private static readonly Histogram<double> BlockMillis = Meter.CreateHistogram<double>("parallelexec.block.duration", unit: "ms", description: "Block execution time");

    /// <summary>Adds one executed block's figures to the instruments, tagged with its executor.</summary>
    public static void Record(BlockExecutionStats stats)
    {
        var tag = new KeyValuePair<string, object?>("executor", stats.Executor);
        Blocks.Add(1, tag);
        Transactions.Add(stats.Transactions, tag);
        Executions.Add(stats.Executions, tag);
        Reexecutions.Add(stats.Reexecutions, tag);
        ValidationFailures.Add(stats.ValidationFailures, tag);
        DependencyWaits.Add(stats.DependencyWaits, tag);
        Fallbacks.Add(stats.SequentialFallbacks, tag);
        SpeculativeFaults.Add(stats.SpeculativeFaults, tag);
        Takeovers.Add(stats.Takeovers, tag);
        BlockMillis.Record(stats.Elapsed.TotalMilliseconds, tag);
    }
}
