using BenchmarkDotNet.Attributes;
using ParallelExec.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// One block of a generated workload executed over its genesis (only read) by each executor:
/// sequential is the baseline, so every table shows the parallel executor's ratio to it.
/// </summary>
[MemoryDiagnoser]
public abstract class ExecutorBenchmarkBase
{
    private ExecutorSet _executors = null!;
    private Workload _workload = null!;

    protected abstract WorkloadOptions Options();

    [GlobalSetup]
    public void Setup()
    {
        _executors = new ExecutorSet();
        _workload = WorkloadGenerator.Generate(Options());
    }

    [GlobalCleanup]
    public void Cleanup() => _executors.Dispose();

    protected BlockResult Run(Func<ExecutorSet, IBlockExecutor> pick) => pick(_executors).Execute(_workload.Blocks[0], _workload.Genesis);

    [Benchmark(Baseline = true)]
    public BlockResult Sequential() => Run(e => e.Sequential);

    [Benchmark]
    public BlockResult Parallel2() => Run(e => e.Parallel2);

    [Benchmark]
    public BlockResult Parallel4() => Run(e => e.Parallel4);
}
