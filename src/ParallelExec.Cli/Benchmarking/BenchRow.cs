namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// One measured configuration: a workload on one executor with a worker count.
/// <see cref="Limit"/>: the speed-up N independent sequential runs reach on this machine (see
/// <see cref="ScalingLimit"/>), for parallel rows; null for sequential.
/// </summary>
public sealed record BenchRow(
    string Workload,
    int Accounts,
    string Executor,
    int Workers,
    long Txs,
    int Blocks,
    double Tps,
    double Speedup,
    long Reexecutions,
    long Fallbacks,
    long InOrder,
    string StateRoot,
    double? Limit);
