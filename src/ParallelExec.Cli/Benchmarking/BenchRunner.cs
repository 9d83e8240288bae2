using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.Metrics;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// Runs every workload on the sequential executor and the parallel executor at each worker count,
/// each run over a fresh copy of the generated genesis. Every executor is warmed up first for about
/// a second (JIT tiers, pools), then each timed round runs the executors and measures the machine's
/// own limit for each worker count (<see cref="ScalingLimit"/>), all taking turns block by block, so
/// that drift on the machine affects them alike; the median over rounds is reported. Only the
/// Execute calls are timed. Every block's result is checked against sequential's.
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
                using var limit = new ScalingLimit(workload);
                var limitThreads = settings.Workers.Where(w => w > 1).Select(ScalingLimit.ThreadsFor).Distinct().ToArray();
                var limitSpeedups = limitThreads.ToDictionary(t => t, _ => new List<double>());
                // Warm-up: the copies' first touch (the most threads first: runners start once).
                for (int b = 0; b < workload.Blocks.Length && limitThreads.Length > 0; b++)
                {
                    foreach (int t in limitThreads.OrderDescending()) limit.MeasureBlock(b, t);
                    limit.MeasureBlock(b, 1);
                }
                progress?.Invoke($"{name}: warming up");
                for (int e = 0; e < executors.Count; e++)
                {
                    // Until the JIT has tiered up the hot paths: at least one pass and about a second.
                    long warmStart = Stopwatch.GetTimestamp();
                    do
                    {
                        var pass = new Pass(executors[e], workload, e == 0 ? null : measurements[0].Digests, measurements[e]);
                        for (int b = 0; b < workload.Blocks.Length; b++) pass.RunBlock(b, timed: false, options, cancellationToken);
                        pass.Finish(timed: false);
                    }
                    while (Stopwatch.GetElapsedTime(warmStart) < WarmUpTime);
                }
                List<double?> latenciesBefore = new(settings.Runs), latenciesAfter = new(settings.Runs);
                for (int r = 0; r < settings.Runs; r++)
                {
                    // Where the hypervisor has the cores, before the round and after it: the round's figures follow it.
                    latenciesBefore.Add(CoreToCoreLatency.MeasureNanoseconds());
                    progress?.Invoke($"{name}: run {r + 1}/{settings.Runs}");
                    RunRound(executors, workload, measurements, limit, limitThreads, limitSpeedups, r, options, cancellationToken);
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
                            rounds[r] = new BenchRound(speedups[r], shares[r], speedups[r] / shares[r],
                                measurements[e].SerialMicrosPerTx[r], latenciesBefore[r], latenciesAfter[r]);
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

    /// <summary>
    /// One timed round: every executor runs every block over its own copy of the state, and the
    /// machine's limit runs it alone and on N threads, all taking turns block by block (in a new
    /// order each block), so that each executor's block is timed within milliseconds of the others'
    /// and the limit's same block. Timing whole runs one after the other left seconds between the
    /// runs a round pairs, and this VM's speed drifts over seconds: the x1 row, the sequential code
    /// in order, read 0.85x-1.16x of sequential that way.
    /// </summary>
    private static void RunRound(List<IBlockExecutor> executors, Workload workload, Measurement[] measurements,
        ScalingLimit limit, int[] limitThreads, Dictionary<int, List<double>> limitSpeedups, int round,
        ExecutionOptions options, CancellationToken cancellationToken)
    {
        var slots = new List<Action<int>>();
        var passes = new Pass[executors.Count];
        for (int e = 0; e < passes.Length; e++)
        {
            var pass = passes[e] = new Pass(executors[e], workload, measurements[0].Digests, measurements[e]);
            slots.Add(b => pass.RunBlock(b, timed: true, options, cancellationToken));
        }
        double alone = 0;
        var together = new double[limitThreads.Length];
        if (limitThreads.Length > 0) slots.Add(b => alone += limit.MeasureBlock(b, 1));
        for (int i = 0; i < limitThreads.Length; i++)
        {
            int index = i;
            slots.Add(b => together[index] += limit.MeasureBlock(b, limitThreads[index]));
        }
        // A new order for every block (seeded: the same for every run of the bench), so that no slot
        // always follows the same one: a fixed rotation kept each slot's predecessor, and raw x2 read
        // 0.88-0.91x against 0.95-0.99x for x4, which runs the same two workers.
        var order = new int[slots.Count];
        var shuffle = new Random(round);
        for (int b = 0; b < workload.Blocks.Length; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int k = 0; k < order.Length; k++) order[k] = k;
            shuffle.Shuffle(order);
            foreach (int slot in order) slots[slot](b);
        }
        foreach (var pass in passes) pass.Finish(timed: true);
        for (int i = 0; i < limitThreads.Length; i++)
            limitSpeedups[limitThreads[i]].Add(ScalingLimit.Speedup(limitThreads[i], alone, together[i]));
    }

    /// <summary>One executor's run over the workload's blocks, from a fresh copy of the genesis, block by block.</summary>
    private sealed class Pass(IBlockExecutor executor, Workload workload, Hash256[]? reference, Measurement m)
    {
        private readonly InMemoryState _state = workload.Genesis.Clone();
        private long _ticks, _reexecutions, _fallbacks, _inOrder, _validated;
        private TimeSpan _validationTime;
        private readonly Dictionary<string, long> _reasons = [];

        public void RunBlock(int b, bool timed, ExecutionOptions options, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var block = workload.Blocks[b];
            // The setup between blocks (state copies, digests, the other executors' blocks) leaves
            // garbage; collect it here so a timed block only pays for the garbage its executor makes.
            if (timed) GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            long start = Stopwatch.GetTimestamp();
            var result = executor.Execute(block, _state, options);
            _ticks += Stopwatch.GetTimestamp() - start;
            _reexecutions += result.Stats.Reexecutions;
            _fallbacks += result.Stats.SequentialFallbacks;
            _inOrder += result.Stats.CommitterExecutions;
            _validated += result.Stats.SpeculativeCommits + result.Stats.ValidationFailures;
            _validationTime += result.Stats.ValidationTime;
            if (executor is not SequentialExecutor && InOrderReason.Of(result.Stats, options.Speculation, m.LastFallbackReason) is { } reason)
            {
                _reasons[reason] = _reasons.GetValueOrDefault(reason) + result.Stats.CommitterExecutions;
                if (result.Stats.Executions > result.Stats.CommitterExecutions && result.Stats.SequentialFallbacks > 0) m.LastFallbackReason = reason;
            }
            var digest = result.ComputeDigest();
            if (reference is null) m.Digests[b] = digest;
            else if (reference[b] != digest)
                throw new MismatchException(
                    $"{Describe(executor)} differs from sequential at block {block.Header.Number}: {digest} vs {reference[b]}");
            _state.Apply(result.Changes);
        }

        public void Finish(bool timed)
        {
            if (!timed)
            {
                if (m.FinalState.Length == 0) m.FinalState = StateCommitment.Root(_state);
                return;
            }
            m.Seconds.Add((double)_ticks / Stopwatch.Frequency);
            m.Reexecutions.Add(_reexecutions);
            m.Fallbacks.Add(_fallbacks);
            m.InOrder.Add(_inOrder);
            m.SerialMicrosPerTx.Add(_validated > 0 ? _validationTime.TotalMicroseconds / _validated : null);
            m.Reasons.Add(_reasons);
        }
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
