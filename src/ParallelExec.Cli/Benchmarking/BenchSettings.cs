using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>One bench invocation: which workloads, what size, which executors.</summary>
public sealed record BenchSettings
{
    public required IReadOnlyList<WorkloadKind> Workloads { get; init; }
    public required IReadOnlyList<int> Workers { get; init; }
    public int Accounts { get; init; } = 10_000;
    public int Transactions { get; init; } = 10_000;
    public int Blocks { get; init; } = 3;
    public ulong Seed { get; init; } = 1;
    public int Work { get; init; }
    public bool Fees { get; init; } = true;
    public HintMode Hints { get; init; } = HintMode.None;
    /// <summary>Timed repetitions per configuration; the median is reported.</summary>
    public int Runs { get; init; } = 3;
}
