using BenchmarkDotNet.Attributes;
using ParallelExec.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// One block of a generated workload executed over its genesis (only read) by each executor:
/// sequential is the baseline, so every table shows the parallel executor's ratio to it (a time
/// ratio: 0.6 is a 1.67x speed-up).
/// The parallel executor adapts across blocks (after blocks lost to speculation it runs whole blocks
/// in order, probing every 1, 2, 4 … 16 blocks), so a benchmark that reuses one executor for every
/// invocation times whichever phase of that cycle each short iteration lands in: the hot counter
/// showed a Ratio of 2.4 with error bars wider than the means. Here every iteration starts fresh
/// executors (outside the timing) and runs the block <see cref="InvocationsPerIteration"/> times, so
/// each iteration covers the same sequence (speculating, switching to in order, probing) and is long
/// enough to time.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(InvocationsPerIteration)]
public abstract class ExecutorBenchmarkBase
{
    /// <summary>Blocks executed per iteration: past the monitor's longest probing interval (16).</summary>
    public const int InvocationsPerIteration = 16;

    private ExecutorSet _executors = null!;
    private Workload _workload = null!;

    protected abstract WorkloadOptions Options();

    [GlobalSetup]
    public void Setup() => _workload = WorkloadGenerator.Generate(Options());

    [IterationSetup]
    public void StartExecutors() => _executors = new ExecutorSet();

    [IterationCleanup]
    public void StopExecutors() => _executors.Dispose();

    protected BlockResult Run(Func<ExecutorSet, IBlockExecutor> pick) => pick(_executors).Execute(_workload.Blocks[0], _workload.Genesis);

    [Benchmark(Baseline = true)]
    public BlockResult Sequential() => Run(e => e.Sequential);

    [Benchmark]
    public BlockResult Parallel2() => Run(e => e.Parallel2);

    [Benchmark]
    public BlockResult Parallel4() => Run(e => e.Parallel4);
}
