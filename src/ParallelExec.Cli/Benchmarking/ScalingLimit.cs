using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// The speed-up this machine can give a workload at all: N threads each run the sequential
/// executor over their own copy of every block's starting state, at the same time, with nothing
/// shared. N times the transactions in the wall time of the slowest, against one sequential run,
/// is the ceiling for any parallel executor with N workers here: it already pays whatever the
/// cores lose to each other (shared caches, memory bandwidth, a hypervisor), which min(N, cores)
/// does not show. Threads beyond the core count cannot add to it, so at most one per core runs.
/// </summary>
internal sealed class ScalingLimit
{
    private readonly Workload _workload;
    private readonly InMemoryState[] _blockStarts;
    // Per thread: its own copies of the block starting states, and its own executor.
    private readonly List<(InMemoryState[] States, SequentialExecutor Executor)> _copies = [];

    /// <param name="blockStarts">The state before each block of <paramref name="workload"/>.</param>
    public ScalingLimit(Workload workload, InMemoryState[] blockStarts)
    {
        _workload = workload;
        _blockStarts = blockStarts;
    }

    /// <summary>Threads a limit for <paramref name="workers"/> workers is measured with.</summary>
    public static int ThreadsFor(int workers) => Math.Min(workers, Environment.ProcessorCount);

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
