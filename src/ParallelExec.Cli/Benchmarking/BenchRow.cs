namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// One measured configuration: a workload on one executor with a worker count.
/// <see cref="Limit"/>: the speed-up no executor with this many workers can beat here (see
/// <see cref="ScalingLimit"/>), for parallel rows; null for sequential. <see cref="InOrderReasons"/>:
/// the transactions a parallel executor ran in order, by reason (<see cref="Benchmarking.InOrderReason"/>).
/// <see cref="SerialMicrosPerTx"/>: the committer's time validating and applying a speculative output
/// (the serial path), per transaction, for rows that speculated; null otherwise.
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
    BenchLimit? Limit,
    IReadOnlyDictionary<string, long> InOrderReasons,
    double? SerialMicrosPerTx = null)
{
    /// <summary>The reason most of the in-order transactions had, or null (none, or the sequential executor).</summary>
    public string? InOrderReason => InOrderReasons.Count == 0 ? null : InOrderReasons.MaxBy(r => r.Value).Key;
}

/// <summary>
/// The ceiling on a speed-up: the smaller of the machine's and the blocks' dependency graphs'
/// (<see cref="Dependencies"/> null: no transaction depends on another).
/// </summary>
public sealed record BenchLimit(double Speedup, double Machine, double? Dependencies);
