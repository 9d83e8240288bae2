namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// One measured configuration: a workload on one executor with a worker count.
/// <see cref="Limit"/>: the speed-up no executor with this many workers can beat here (see
/// <see cref="ScalingLimit"/>), for parallel rows; null for sequential. <see cref="InOrderReasons"/>:
/// the transactions a parallel executor ran in order, by reason (<see cref="Benchmarking.InOrderReason"/>).
/// <see cref="SerialMicrosPerTx"/>: the committer's time validating and applying a speculative output
/// (the serial path), per transaction, for rows that speculated; null otherwise.
/// <see cref="Rounds"/>: for parallel rows, each timed round on its own (<see cref="BenchRound"/>), in
/// the order run; null for the sequential row. <see cref="RunSpeedups"/> and <see cref="RunShareOfLimit"/>
/// are their spreads: the speed-up of each round's run over the sequential run of the same round (the
/// rounds are interleaved, so each pair saw the same machine), and that over the round's limit.
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
    double? SerialMicrosPerTx = null,
    IReadOnlyList<BenchRound>? Rounds = null)
{
    /// <summary>Lowest, median and highest of the rounds' speed-ups (null for the sequential row).</summary>
    public BenchSpread? RunSpeedups => Rounds is null ? null : BenchSpread.Of([.. Rounds.Select(r => r.Speedup)]);

    /// <summary>Lowest, median and highest of the rounds' shares of their limit (null for the sequential row).</summary>
    public BenchSpread? RunShareOfLimit => Rounds is null ? null : BenchSpread.Of([.. Rounds.Select(r => r.ShareOfLimit)]);

    /// <summary>The reason most of the in-order transactions had, or null (none, or the sequential executor).</summary>
    public string? InOrderReason => InOrderReasons.Count == 0 ? null : InOrderReasons.MaxBy(r => r.Value).Key;
}

/// <summary>
/// The ceiling on a speed-up: the smaller of the machine's and the blocks' dependency graphs'
/// (<see cref="Dependencies"/> null: no transaction depends on another).
/// </summary>
public sealed record BenchLimit(double Speedup, double Machine, double? Dependencies);

/// <summary>
/// One timed round of a parallel row: its speed-up over the sequential run of the same round, that
/// over the limit measured in the round, that limit (the machine's in the round, at most the blocks'
/// dependency limit; 1 for one worker), the committer's time per speculated transaction (null when
/// nothing speculated), and how long a cache line took to move between two cores just before the round
/// and just after it, its limit included (<see cref="CoreToCoreLatency"/>; null when it could not be
/// timed). On a virtual machine that can change from one round to the next, as the hypervisor moves the
/// virtual CPUs, and the other figures move with it; a round whose two latencies differ much saw the
/// cores move during it.
/// </summary>
public sealed record BenchRound(double Speedup, double ShareOfLimit, double Limit, double? SerialMicrosPerTx, double? CoreToCoreNs, double? CoreToCoreAfterNs);

/// <summary>Lowest, median and highest of a measure over the timed runs.</summary>
public sealed record BenchSpread(double Min, double Median, double Max)
{
    /// <summary>The spread of <paramref name="values"/> (at least one).</summary>
    public static BenchSpread Of(IReadOnlyList<double> values) => new(values.Min(), BenchRunner.Median([.. values]), values.Max());
}
