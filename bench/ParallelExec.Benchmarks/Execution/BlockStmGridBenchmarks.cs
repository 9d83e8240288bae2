using BenchmarkDotNet.Attributes;
using ParallelExec.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.Execution;

/// <summary>
/// The Block-STM paper's grid on value transfers: accounts (contention: 2 accounts is nearly a
/// chain, 10,000 nearly independent) x block size x CPU work per transaction (none, or 22
/// Keccak-f units ≈ 10 µs), sequential as the baseline, parallel at 1, 2, 4 and 8 workers (more
/// workers than cores is allowed and informative).
/// </summary>
public class BlockStmGridBenchmarks : ExecutorBenchmarkBase
{
    [Params(2, 10, 100, 1_000, 10_000)]
    public int Accounts { get; set; }

    // Blocks of 10,000 only: 16 blocks of 1,000 cheap transfers make iterations of a few milliseconds.
    [Params(10_000)]
    public int BlockSize { get; set; }

    [Params(0, 22)]
    public int Work { get; set; }

    protected override WorkloadOptions Options() => new()
    {
        Kind = WorkloadKind.P2p, Accounts = Accounts, TransactionsPerBlock = BlockSize, Seed = 7, Work = Work,
    };

    [Benchmark]
    public BlockResult Parallel1() => Run(e => e.Parallel1);

    [Benchmark]
    public BlockResult Parallel8() => Run(e => e.Parallel8);
}
