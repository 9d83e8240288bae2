using BenchmarkDotNet.Attributes;
using ParallelExec.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// The native workloads (transfers, tokens, swaps on 4 pools, one hot counter, a mix) on 10,000
/// accounts, blocks of 10,000, with fees to one beneficiary on and off: fees must cost no
/// parallelism. Sequential is the baseline.
/// </summary>
[MemoryDiagnoser]
public class WorkloadBenchmarks
{
    private ExecutorSet _executors = null!;
    private Workload _workload = null!;

    [Params(WorkloadKind.P2p, WorkloadKind.Token, WorkloadKind.Amm, WorkloadKind.Hot, WorkloadKind.Mixed)]
    public WorkloadKind Kind { get; set; }

    [Params(true, false)]
    public bool Fees { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _executors = new ExecutorSet();
        _workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = Kind, Accounts = 10_000, TransactionsPerBlock = 10_000, Seed = 11, Fees = Fees,
        });
    }

    [GlobalCleanup]
    public void Cleanup() => _executors.Dispose();

    private BlockResult Run(IBlockExecutor executor) => executor.Execute(_workload.Blocks[0], _workload.Genesis);

    [Benchmark(Baseline = true)]
    public BlockResult Sequential() => Run(_executors.Sequential);

    [Benchmark]
    public BlockResult Parallel2() => Run(_executors.Parallel2);

    [Benchmark]
    public BlockResult Parallel4() => Run(_executors.Parallel4);
}
