using BenchmarkDotNet.Attributes;
using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// One block executed with its EIP-7928 access list (recorded beforehand, not timed; handed over as
/// RLP with its hash, so decoding and the hash check are timed) against the ordinary parallel path
/// and the sequential baseline. With <c>Work</c> 22 a transaction costs about 10 µs, as a VM would.
/// </summary>
[MemoryDiagnoser]
public class AccessListBenchmarks
{
    private ExecutorSet _executors = null!;
    private Workload _workload = null!;
    private ExecutionOptions _withList = null!;

    [Params(WorkloadKind.P2p, WorkloadKind.Token, WorkloadKind.Amm, WorkloadKind.Hot)]
    public WorkloadKind Kind { get; set; }

    [Params(0, 22)]
    public int Work { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _executors = new ExecutorSet();
        _workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = Kind, Accounts = 10_000, TransactionsPerBlock = 10_000, Seed = 11, Work = Work,
        });
        var recorded = _executors.Sequential.Execute(_workload.Blocks[0], _workload.Genesis, new ExecutionOptions { RecordAccessList = true }).AccessList!;
        var rlp = recorded.Encode();
        _withList = new ExecutionOptions { AccessList = AccessListInput.FromRlp(rlp, recorded.ComputeHash()) };
        // Fail here, not in a table, if the list would not be used.
        var check = _executors.Parallel2.Execute(_workload.Blocks[0], _workload.Genesis, _withList);
        if (check.Stats.AccessList != AccessListOutcome.Used) throw new InvalidOperationException($"access list not used: {check.Stats.AccessListProblem}");
    }

    [GlobalCleanup]
    public void Cleanup() => _executors.Dispose();

    [Benchmark(Baseline = true)]
    public BlockResult Sequential() => _executors.Sequential.Execute(_workload.Blocks[0], _workload.Genesis);

    [Benchmark]
    public BlockResult Parallel2() => _executors.Parallel2.Execute(_workload.Blocks[0], _workload.Genesis);

    [Benchmark]
    public BlockResult Parallel2WithAccessList() => _executors.Parallel2.Execute(_workload.Blocks[0], _workload.Genesis, _withList);
}
