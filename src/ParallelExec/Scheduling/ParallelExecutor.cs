using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.Metrics;
using ParallelExec.State;

namespace ParallelExec.Scheduling;

/// <summary>
/// Executes a block on N workers and returns exactly what <see cref="SequentialExecutor"/> returns:
/// speculative execution over multi-version memory, validation and commit in block order,
/// re-execution of any transaction whose reads changed, and a sequential fallback under contention
/// (see <see cref="BlockRun"/>). Owns its worker threads: dispose it. One block at a time.
/// </summary>
public sealed class ParallelExecutor : IBlockExecutor, IDisposable
{
    private readonly WorkerGroup _group;
    private readonly BlockRun _run;
    private readonly Action<int> _work;
    private int _busy;

    /// <summary>Starts <paramref name="workers"/> worker threads (1 or more; more than the cores is allowed).</summary>
    public ParallelExecutor(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workers, 256);
        Workers = workers;
        _group = new WorkerGroup(workers);
        _run = new BlockRun(workers);
        _work = _run.Work;
    }

    /// <inheritdoc/>
    public string Name => "parallel";
    /// <inheritdoc/>
    public int Workers { get; }

    /// <inheritdoc/>
    public BlockResult Execute(Block block, IStateReader state, ExecutionOptions? options = null)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("a ParallelExecutor runs one block at a time");
        try
        {
            var started = Stopwatch.GetTimestamp();
            _run.Prepare(block, state, options ?? ExecutionOptions.Default);
            _group.Run(_work);
            var result = _run.Finish(Name, started);
            ExecutionMetrics.Record(result.Stats);
            return result;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _group.Dispose();
}
