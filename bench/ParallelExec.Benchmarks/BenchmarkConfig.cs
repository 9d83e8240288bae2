using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace ParallelExec.Benchmarks;

/// <summary>
/// The configuration every benchmark runs with (unless the command line names a job): one process,
/// 2 warm-up and 10 measured iterations, each at least 250 ms long so a timer tick or a descheduled
/// thread is a small part of it (BenchmarkDotNet warns below 100 ms). Benchmarks whose operation
/// needs fresh state per invocation fix their invocation count themselves (see
/// <see cref="Execution.ExecutorBenchmarkBase"/>). Ratio columns are time ratios against the
/// baseline: the inverse of the speed-up <c>parallelexec bench</c> prints.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(10)
            .WithMinIterationTime(TimeInterval.FromMilliseconds(250))
            .AsDefault());
    }
}
