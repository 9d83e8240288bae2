using System.Diagnostics;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// The speed-up a workload can reach on this machine with N workers, as the smaller of two ceilings:
/// <list type="bullet">
/// <item><b>The machine's</b>: N threads each run the sequential executor over their own copy of
/// every block's starting state, at the same time, nothing shared. N times the transactions in the
/// wall time of the slowest, against one thread doing the same alone, measured back to back by the
/// same harness (same garbage, same timer), so the ratio compares like with like. It already pays
/// whatever the cores lose to each other (shared caches, memory bandwidth, a hypervisor), which
/// min(N, cores) does not show. Threads beyond the core count cannot add to it, so at most one per
/// core runs, and it is never reported above the thread count: more would be noise.</item>
/// <item><b>The blocks'</b>: transactions over the critical path of their dependency graphs (the
/// longest chain of transactions each reading what the previous one wrote), summed over blocks,
/// which no schedule can beat (see <see cref="DependencyGraphStats"/>).</item>
/// </list>
/// </summary>
internal sealed class ScalingLimit
{
    private readonly Workload _workload;
    private readonly InMemoryState[] _blockStarts;
    // Per thread: its own copies of the block starting states, and its own executor.
    private readonly List<(InMemoryState[] States, SequentialExecutor Executor)> _copies = [];

    public ScalingLimit(Workload workload)
    {
        _workload = workload;
        // A sequential pass: the state before each block, and each block's dependency graph.
        _blockStarts = new InMemoryState[workload.Blocks.Length];
        var state = workload.Genesis.Clone();
        var executor = new SequentialExecutor();
        var options = new ExecutionOptions { RecordDependencies = true };
        long criticalPath = 0;
        for (int b = 0; b < _blockStarts.Length; b++)
        {
            var block = workload.Blocks[b];
            _blockStarts[b] = state.Clone();
            var result = executor.Execute(block, state, options);
            criticalPath += DependencyGraphStats.Compute(block.Transactions.Count, result.Dependencies!).CriticalPath;
            state.Apply(result.Changes);
        }
        DependencyLimit = criticalPath == 0 ? null : (double)workload.TransactionCount / criticalPath;
    }

    /// <summary>Transactions over the summed critical paths of the blocks: the ceiling on any number of cores (null: no blocks).</summary>
    public double? DependencyLimit { get; }

    /// <summary>Threads a limit for <paramref name="workers"/> workers is measured with.</summary>
    public static int ThreadsFor(int workers) => Math.Min(workers, Environment.ProcessorCount);

    /// <summary>
    /// One measurement of the machine's ceiling for <paramref name="threads"/> threads: one thread
    /// alone, then that many at once, each over the whole workload; clamped to the thread count.
    /// </summary>
    public double MeasureSpeedup(int threads)
    {
        double alone = Measure(1);
        double together = Measure(threads);
        return Math.Min(threads, threads * alone / together);
    }

    /// <summary>Wall seconds for <paramref name="threads"/> concurrent sequential runs of the whole workload.</summary>
    public double Measure(int threads)
    {
        while (_copies.Count < threads)
            _copies.Add((Array.ConvertAll(_blockStarts, s => s.Clone()), new SequentialExecutor()));
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);

        using var start = new ManualResetEventSlim(false);
        var runners = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            var (states, executor) = _copies[t];
            runners[t] = new Thread(() =>
            {
                start.Wait();
                for (int b = 0; b < _workload.Blocks.Length; b++) executor.Execute(_workload.Blocks[b], states[b]);
            }) { IsBackground = true, Name = $"limit-{t}" };
            runners[t].Start();
        }
        long begin = Stopwatch.GetTimestamp();
        start.Set();
        foreach (var runner in runners) runner.Join();
        return Stopwatch.GetElapsedTime(begin).TotalSeconds;
    }
}
