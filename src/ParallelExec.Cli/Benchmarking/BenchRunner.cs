using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// Runs every workload on the sequential executor and the parallel executor at each worker count,
/// each run over a fresh copy of the generated genesis. Every executor is warmed up first for about
/// a second (JIT tiers, pools), then the timed runs are interleaved round-robin so that drift on the machine
/// affects all executors alike; the median is reported. Only the Execute calls are timed. Every
/// block's result is checked against sequential's. Each round also measures the machine's own
/// limit for each worker count (<see cref="ScalingLimit"/>).
/// </summary>
public sealed class BenchRunner(BenchSettings settings)
{
    /// <summary>Raised when a parallel result differs from the sequential one (never expected).</summary>
    public sealed class MismatchException(string message) : Exception(message);

    /// <summary>How long each executor runs untimed first, so the JIT has tiered up its hot paths.</summary>
    internal static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(1);

    /// <summary>A timed run shorter than this (the sequential median) gives ratios that noise dominates: say so.</summary>
    internal static readonly TimeSpan ShortestReliableRun = TimeSpan.FromMilliseconds(200);

    /// <summary>What the runs could not measure well (runs too short to time), one line each, for stderr.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Runs every workload; <paramref name="cancellationToken"/> stops it between blocks.</summary>
    public IEnumerable<BenchRow> Run(Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var options = new ExecutionOptions { Speculation = settings.Speculation };
        foreach (var kind in settings.Workloads)
        {
            string name = kind.ToString().ToLowerInvariant();
            progress?.Invoke($"{name}: generating");
            var workload = WorkloadGenerator.Generate(settings.Chain with { Kind = kind });
            if (settings.AccessLists) progress?.Invoke($"{name}: recording access lists");
            var executors = settings.CreateExecutors(settings.AccessLists ? ListedExecutor.Record(workload) : null);
            try
            {
                var measurements = executors.Select(_ => new Measurement(workload.Blocks.Length, workload.TransactionCount, settings.Chain.Accounts)).ToArray();
                var limit = new ScalingLimit(workload);
                var limitThreads = settings.Workers.Where(w => w > 1).Select(ScalingLimit.ThreadsFor).Distinct().ToArray();
                var limitSpeedups = limitThreads.ToDictionary(t => t, _ => new List<double>());
                foreach (int t in limitThreads) limit.Measure(t); // warm-up: the copies' first touch
                progress?.Invoke($"{name}: warming up");
                for (int e = 0; e < executors.Count; e++)
                {
                    // Until the JIT has tiered up the hot paths: at least one pass and about a second.
                    long warmStart = Stopwatch.GetTimestamp();
                    do RunOnce(executors[e], workload, e == 0 ? null : measurements[0].Digests, measurements[e], timed: false, options, cancellationToken);
                    while (Stopwatch.GetElapsedTime(warmStart) < WarmUpTime);
                }
                List<double?> latenciesBefore = new(settings.Runs), latenciesAfter = new(settings.Runs);
                for (int r = 0; r < settings.Runs; r++)
                {
                    // Where the hypervisor has the cores, before the round and after it: the round's figures follow it.
                    latenciesBefore.Add(CoreToCoreLatency.MeasureNanoseconds());
                    for (int e = 0; e < executors.Count; e++)
                    {
                        progress?.Invoke($"{name}: run {r + 1}/{settings.Runs}, {Describe(executors[e])}");
                        RunOnce(executors[e], workload, e == 0 ? null : measurements[0].Digests, measurements[e], timed: true, options, cancellationToken);
                    }
                    foreach (int t in limitThreads)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        progress?.Invoke($"{name}: run {r + 1}/{settings.Runs}, limit on {t} threads");
                        limitSpeedups[t].Add(limit.MeasureSpeedup(t));
                    }
                    latenciesAfter.Add(CoreToCoreLatency.MeasureNanoseconds());
                }
                double baseline = measurements[0].MedianTps;
                double sequentialSeconds = Median(measurements[0].Seconds);
                if (sequentialSeconds < ShortestReliableRun.TotalSeconds)
                    Warnings.Add($"{name}: a sequential run takes {sequentialSeconds * 1000:F0} ms, too short to time reliably " +
                                 $"(under {ShortestReliableRun.TotalMilliseconds:F0} ms): raise --txs, --blocks or --work, or --runs for a steadier median");
                for (int e = 0; e < executors.Count; e++)
                {
                    int workers = executors[e].Workers;
                    double? machineLimit = e == 0 ? null
                        : workers == 1 ? 1.0
                        : Median(limitSpeedups[ScalingLimit.ThreadsFor(workers)]);
                    var row = measurements[e].ToRow(name, executors[e].Name, workers, measurements[e].MedianTps / baseline,
                        machineLimit is { } m ? new BenchLimit(Math.Min(m, limit.DependencyLimit ?? m), m, limit.DependencyLimit) : null);
                    if (e > 0)
                    {
                        var roundLimits = workers == 1 ? null : limitSpeedups[ScalingLimit.ThreadsFor(workers)];
                        var speedups = PairedSpeedups(measurements[0], measurements[e], roundLimits, null);
                        var shares = PairedSpeedups(measurements[0], measurements[e], roundLimits, limit.DependencyLimit ?? double.MaxValue);
                        var rounds = new BenchRound[speedups.Length];
                        for (int r = 0; r < rounds.Length; r++)
                            rounds[r] = new BenchRound(speedups[r], shares[r], measurements[e].SerialMicrosPerTx[r], latenciesBefore[r], latenciesAfter[r]);
                        row = row with { Rounds = rounds };
                    }
                    yield return row;
                }
            }
            finally
            {
                foreach (var executor in executors) (executor as IDisposable)?.Dispose();
            }
        }
    }

    /// <summary>
    /// Each round's speed-up of <paramref name="parallel"/> over the sequential run of the same round,
    /// or, with <paramref name="dependencyLimit"/>, that speed-up over the round's limit (the machine's
    /// measured in the same round, <paramref name="roundLimits"/>, at most the dependency limit; 1 for
    /// one worker): pairs that saw the same machine, so drift between rounds cancels.
    /// </summary>
    private static double[] PairedSpeedups(Measurement sequential, Measurement parallel, List<double>? roundLimits, double? dependencyLimit)
    {
        var ratios = new double[parallel.Seconds.Count];
        for (int r = 0; r < ratios.Length; r++)
        {
            ratios[r] = sequential.Seconds[r] / parallel.Seconds[r];
            if (dependencyLimit is { } d) ratios[r] /= Math.Min(roundLimits?[r] ?? 1.0, d);
        }
        return ratios;
    }

    internal static string Describe(IBlockExecutor executor) => $"{executor.Name} x{executor.Workers}";

    private static void RunOnce(IBlockExecutor executor, Workload workload, Hash256[]? reference, Measurement m, bool timed, ExecutionOptions options,
        CancellationToken cancellationToken)
    {
        var state = workload.Genesis.Clone();
        long ticks = 0, reexecutions = 0, fallbacks = 0, inOrder = 0, validated = 0;
        var validationTime = TimeSpan.Zero;
        var reasons = new Dictionary<string, long>();
        for (int b = 0; b < workload.Blocks.Length; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var block = workload.Blocks[b];
            // The setup between blocks (state copies, digests) leaves garbage; collect it here so a
            // timed block only pays for the garbage its executor makes.
            if (timed) GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            long start = Stopwatch.GetTimestamp();
            var result = executor.Execute(block, state, options);
            ticks += Stopwatch.GetTimestamp() - start;
            reexecutions += result.Stats.Reexecutions;
            fallbacks += result.Stats.SequentialFallbacks;
            inOrder += result.Stats.CommitterExecutions;
            validated += result.Stats.SpeculativeCommits + result.Stats.ValidationFailures;
            validationTime += result.Stats.ValidationTime;
            if (executor is not SequentialExecutor && InOrderReason.Of(result.Stats, options.Speculation, m.LastFallbackReason) is { } reason)
            {
                reasons[reason] = reasons.GetValueOrDefault(reason) + result.Stats.CommitterExecutions;
                if (result.Stats.Executions > result.Stats.CommitterExecutions && result.Stats.SequentialFallbacks > 0) m.LastFallbackReason = reason;
            }
            var digest = result.ComputeDigest();
            if (reference is null) m.Digests[b] = digest;
            else if (reference[b] != digest)
                throw new MismatchException(
                    $"{Describe(executor)} differs from sequential at block {block.Header.Number}: {digest} vs {reference[b]}");
            state.Apply(result.Changes);
        }
        if (!timed)
        {
            if (m.FinalState.Length == 0) m.FinalState = StateCommitment.Root(state);
            return;
        }
        m.Seconds.Add((double)ticks / Stopwatch.Frequency);
        m.Reexecutions.Add(reexecutions);
        m.Fallbacks.Add(fallbacks);
        m.InOrder.Add(inOrder);
        m.SerialMicrosPerTx.Add(validated > 0 ? validationTime.TotalMicroseconds / validated : null);
        m.Reasons.Add(reasons);
    }

    private sealed class Measurement(int blocks, long transactions, int accounts)
    {
        public readonly Hash256[] Digests = new Hash256[blocks];
        public readonly List<double> Seconds = [];
        public readonly List<double> Reexecutions = [];
        public readonly List<double> Fallbacks = [];
        public readonly List<double> InOrder = [];
        public readonly List<double?> SerialMicrosPerTx = []; // one per timed run, null where nothing speculated
        public readonly List<Dictionary<string, long>> Reasons = [];
        public string FinalState = "";
        // The reason of the last block that speculated and fell back: what whole in-order blocks were learned from.
        public string? LastFallbackReason;

        public double MedianTps => transactions / Median(Seconds);

        public BenchRow ToRow(string workload, string executor, int workers, double speedup, BenchLimit? limit)
        {
            // The reasons of the run whose in-order count is the median one.
            long inOrder = (long)Median(InOrder);
            var reasons = Reasons.Count == 0 ? [] : Reasons[InOrder.IndexOf(InOrder.MinBy(x => Math.Abs(x - inOrder)))];
            return new(workload, accounts, executor, workers, transactions, blocks, MedianTps, speedup,
                (long)Median(Reexecutions), (long)Median(Fallbacks), inOrder, FinalState, limit, reasons,
                SerialMicrosPerTx.OfType<double>().ToList() is { Count: > 0 } speculated ? Median(speculated) : null);
        }
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
