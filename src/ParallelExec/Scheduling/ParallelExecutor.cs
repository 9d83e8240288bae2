using System.Diagnostics;
using ParallelExec.AccessLists;
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
    private readonly AccessListRun _accessListRun;
    private readonly Action<int> _work;
    private int _busy;

    public ParallelExecutor(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workers, 256);
        Workers = workers;
        _group = new WorkerGroup(workers);
        _run = new BlockRun(workers);
        _accessListRun = new AccessListRun(workers);
        _work = _run.Work;
    }

    public string Name => "parallel";
    public int Workers { get; }

    public BlockResult Execute(Block block, IStateReader state, ExecutionOptions? options = null)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("a ParallelExecutor runs one block at a time");
        try
        {
            var started = Stopwatch.GetTimestamp();
            options ??= ExecutionOptions.Default;
            string? dropped = null;
            if (options.AccessList is { } accessList)
            {
                if (_accessListRun.TryExecute(block, state, options, accessList, _group, started, out dropped) is { } listed)
                {
                    ExecutionMetrics.Record(listed.Stats);
                    return listed;
                }
            }
            var recorder = options.RecordAccessList ? new AccessListRecorder() : null;
            if (recorder is not null) state = new AccessListRecordingState(state, recorder);
            _run.Prepare(block, state, options);
            _group.Run(_work);
            var result = _run.Finish(Name, started);
            if (recorder is not null) result.AccessList = recorder.Build();
            if (dropped is not null) result.Stats = result.Stats with { AccessList = AccessListOutcome.Dropped, AccessListProblem = dropped };
            ExecutionMetrics.Record(result.Stats);
            return result;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    public void Dispose() => _group.Dispose();
}
