using BenchmarkDotNet.Attributes;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// The native workloads (transfers, tokens, swaps on 4 pools, one hot counter, a mix) on 10,000
/// accounts, blocks of 10,000, with fees to one beneficiary on and off: fees must cost no parallelism.
/// </summary>
public class WorkloadBenchmarks : ExecutorBenchmarkBase
{
    [Params(WorkloadKind.P2p, WorkloadKind.Token, WorkloadKind.Amm, WorkloadKind.Hot, WorkloadKind.Mixed)]
    public WorkloadKind Kind { get; set; }

    [Params(true, false)]
    public bool Fees { get; set; }

    protected override WorkloadOptions Options() => new()
    {
        Kind = Kind, Accounts = 10_000, TransactionsPerBlock = 10_000, Seed = 11, Fees = Fees,
    };
}
