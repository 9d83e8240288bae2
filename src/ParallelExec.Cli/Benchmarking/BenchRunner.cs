using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// Runs every workload on the sequential executor and the parallel executor at each worker count,
/// over a fresh copy of the generated genesis each run. Times only the executors' Execute calls,
/// reports the median of the runs, and checks every block's result against sequential's.
/// </summary>
public sealed class BenchRunner(BenchSettings settings)
{
    /// <summary>Raised when a parallel result differs from the sequential one (never expected).</summary>
    public sealed class MismatchException(string message) : Exception(message);

    public IEnumerable<BenchRow> Run(Action<string>? progress = null)
    {
        foreach (var kind in settings.Workloads)
        {
            progress?.Invoke($"generating {kind}");
            var workload = WorkloadGenerator.Generate(new WorkloadOptions
            {
                Kind = kind, Accounts = settings.Accounts, TransactionsPerBlock = settings.Transactions,
                Blocks = settings.Blocks, Seed = settings.Seed, Work = settings.Work, Fees = settings.Fees, Hints = settings.Hints,
            });
            string name = kind.ToString().ToLowerInvariant();

            progress?.Invoke($"{name}: sequential");
            var sequentialRun = Measure(new SequentialExecutor(), workload, reference: null);
            var reference = sequentialRun.Digests;
            double baseline = sequentialRun.MedianTps;
            yield return sequentialRun.ToRow(name, "sequential", 1, 1.0);

            foreach (int workers in settings.Workers)
            {
                progress?.Invoke($"{name}: parallel x{workers}");
                using var executor = new ParallelExecutor(workers);
                var run = Measure(executor, workload, reference);
                yield return run.ToRow(name, "parallel", workers, run.MedianTps / baseline);
            }
        }
    }

    private Measurement Measure(IBlockExecutor executor, Workload workload, Hash256[]? reference)
    {
        var measurement = new Measurement(workload.Blocks.Length, workload.TransactionCount);
        RunOnce(executor, workload, reference, measurement, timed: false); // warm-up: JIT and pools
        for (int r = 0; r < Math.Max(1, settings.Runs); r++) RunOnce(executor, workload, reference, measurement, timed: true);
        return measurement;
    }

    private static void RunOnce(IBlockExecutor executor, Workload workload, Hash256[]? reference, Measurement m, bool timed)
    {
        var state = workload.Genesis.Clone();
        long ticks = 0, reexecutions = 0, fallbacks = 0;
        for (int b = 0; b < workload.Blocks.Length; b++)
        {
            var block = workload.Blocks[b];
            long start = Stopwatch.GetTimestamp();
            var result = executor.Execute(block, state);
            ticks += Stopwatch.GetTimestamp() - start;
            reexecutions += result.Stats.Reexecutions;
            fallbacks += result.Stats.SequentialFallbacks;
            var digest = result.ComputeDigest();
            if (reference is null) m.Digests[b] = digest;
            else if (reference[b] != digest)
                throw new MismatchException(
                    $"{executor.Name} x{executor.Workers} differs from sequential at block {block.Header.Number}: {digest} vs {reference[b]}");
            state.Apply(result.Changes);
        }
        if (!timed) return;
        m.Seconds.Add((double)ticks / Stopwatch.Frequency);
        m.Reexecutions.Add(reexecutions);
        m.Fallbacks.Add(fallbacks);
        m.FinalState = StateCommitment.Root(state);
    }

    private sealed class Measurement(int blocks, long transactions)
    {
        public readonly Hash256[] Digests = new Hash256[blocks];
        public readonly List<double> Seconds = [];
        public readonly List<double> Reexecutions = [];
        public readonly List<double> Fallbacks = [];
        public string FinalState = "";

        public double MedianTps => transactions / Median(Seconds);

        public BenchRow ToRow(string workload, string executor, int workers, double speedup) =>
            new(workload, executor, workers, transactions, blocks, MedianTps, speedup,
                (long)Median(Reexecutions), (long)Median(Fallbacks), FinalState);
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
