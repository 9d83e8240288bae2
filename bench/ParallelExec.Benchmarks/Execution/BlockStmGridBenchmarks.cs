using BenchmarkDotNet.Attributes;
using ParallelExec.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// The Block-STM paper's grid on value transfers: accounts (contention: 2 accounts is nearly a
/// chain, 10,000 nearly independent) x block size x CPU work per transaction (none, or 40
/// Keccak-f units ≈ 10 µs), sequential as the baseline, parallel at 1, 2, 4 and 8 workers (more
/// workers than cores is allowed and informative). Each operation executes one block over the
/// generated genesis (the state is only read).
/// </summary>
[MemoryDiagnoser]
public class BlockStmGridBenchmarks
{
    private ExecutorSet _executors = null!;
    private Workload _workload = null!;

    [Params(2, 10, 100, 1_000, 10_000)]
    public int Accounts { get; set; }

    [Params(1_000, 10_000)]
    public int BlockSize { get; set; }

    [Params(0, 40)]
    public int Work { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _executors = new ExecutorSet();
        _workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = WorkloadKind.P2p, Accounts = Accounts, TransactionsPerBlock = BlockSize, Seed = 7, Work = Work,
        });
    }

    [GlobalCleanup]
    public void Cleanup() => _executors.Dispose();

    private BlockResult Run(IBlockExecutor executor) => executor.Execute(_workload.Blocks[0], _workload.Genesis);

    [Benchmark(Baseline = true)]
    public BlockResult Sequential() => Run(_executors.Sequential);

    [Benchmark]
    public BlockResult Parallel1() => Run(_executors.Parallel1);

    [Benchmark]
    public BlockResult Parallel2() => Run(_executors.Parallel2);

    [Benchmark]
    public BlockResult Parallel4() => Run(_executors.Parallel4);

    [Benchmark]
    public BlockResult Parallel8() => Run(_executors.Parallel8);
}
