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
/// a block's starting state, at the same time, nothing shared. N times the transactions in the
/// wall time of the slowest, against one such thread doing the same alone, measured block by block
/// by the same harness (same garbage, same timer, same wake-up), so the ratio compares like with
/// like. It already pays whatever the cores lose to each other (shared caches, memory bandwidth, a
/// hypervisor), which min(N, cores) does not show. Threads beyond the core count cannot add to it, so at most one per
/// core runs, and it is never reported above the thread count: more would be noise.</item>
/// <item><b>The blocks'</b>: transactions over the critical path of their dependency graphs (the
/// longest chain of transactions each reading what the previous one wrote), summed over blocks,
/// which no schedule can beat (see <see cref="DependencyGraphStats"/>).</item>
/// </list>
/// </summary>
internal sealed class ScalingLimit : IDisposable
{
    private readonly Workload _workload;
    private readonly InMemoryState[] _blockStarts;
    // One runner thread per measuring thread, each with its own copies of the block starting states
    // and its own executor, kept while the workload is measured; two barriers start and end each block.
    private readonly List<Thread> _runners = [];
    private Barrier _start = null!, _end = null!;
    private int _block, _active;
    private volatile bool _stopping;
    private volatile Exception? _fault;

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
    /// Wall seconds for <paramref name="threads"/> sequential runs of block <paramref name="block"/> at
    /// once, each on its own thread over its own copy of the block's starting state (one thread: the
    /// block alone, on the same kind of thread, woken the same way). The machine's ceiling for N
    /// threads is N times the block alone over the block on N threads; a bench round takes both block
    /// by block between its executors' blocks, so the ceiling sees the machine they saw.
    /// </summary>
    public double MeasureBlock(int block, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        EnsureRunners(threads);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        _block = block;
        _active = threads;
        _start.SignalAndWait(); // releases the runners
        long begin = Stopwatch.GetTimestamp();
        _end.SignalAndWait();   // every runner has finished the block (the idle ones at once)
        double seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        if (_fault is { } fault) throw new InvalidOperationException($"the limit's sequential run failed: {fault.Message}", fault);
        return seconds;
    }

    /// <summary>The machine's ceiling from a round's summed block times: clamped to the thread count.</summary>
    public static double Speedup(int threads, double aloneSeconds, double togetherSeconds) =>
        Math.Min(threads, threads * aloneSeconds / togetherSeconds);

    private void EnsureRunners(int threads)
    {
        if (_runners.Count >= threads) return;
        // Runners start and stop together: a new count means new barriers and threads.
        StopRunners();
        _start = new Barrier(threads + 1);
        _end = new Barrier(threads + 1);
        for (int t = 0; t < threads; t++)
        {
            var states = Array.ConvertAll(_blockStarts, s => s.Clone());
            var executor = new SequentialExecutor();
            int index = t;
            var runner = new Thread(() => RunBlocks(index, states, executor)) { IsBackground = true, Name = $"limit-{t}" };
            _runners.Add(runner);
            runner.Start();
        }
    }

    private void RunBlocks(int index, InMemoryState[] states, SequentialExecutor executor)
    {
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping) return;
            try
            {
                if (index < _active) executor.Execute(_workload.Blocks[_block], states[_block]);
            }
            catch (Exception e)
            {
                _fault = e; // reported by MeasureBlock; the runner still reaches the end barrier
            }
            _end.SignalAndWait();
        }
    }

    private void StopRunners()
    {
        if (_runners.Count == 0) return;
        _stopping = true;
        _start.SignalAndWait();
        foreach (var runner in _runners) runner.Join();
        _runners.Clear();
        _start.Dispose();
        _end.Dispose();
        _stopping = false;
    }

    /// <summary>Stops the runner threads.</summary>
    public void Dispose() => StopRunners();
}
