using ParallelExec.Execution;
using ParallelExec.Scheduling;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>The executors a benchmark compares: sequential and parallel at 1, 2, 4 and 8 workers.</summary>
public sealed class ExecutorSet : IDisposable
{
    public SequentialExecutor Sequential { get; } = new();
    public ParallelExecutor Parallel1 { get; } = new(1);
    public ParallelExecutor Parallel2 { get; } = new(2);
    public ParallelExecutor Parallel4 { get; } = new(4);
    public ParallelExecutor Parallel8 { get; } = new(8);

    public void Dispose()
    {
        Parallel1.Dispose();
        Parallel2.Dispose();
        Parallel4.Dispose();
        Parallel8.Dispose();
    }
}
