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
/// At most one worker per core runs a block (<see cref="ActiveWorkers"/>): a worker beyond the cores
/// only takes time from the committer, whose walk bounds the block (measured on 2 cores with ~10 µs
/// swaps: 4 workers 0.84x of sequential, 2 workers 1.22x).
/// </summary>
public sealed class ParallelExecutor : IBlockExecutor, IDisposable
{
    private readonly WorkerGroup _group;
    private readonly BlockRun _run;
    private readonly AccessListRun _accessListRun;
    private readonly Action<int> _work;
    // Kept from block to block with its buffers (see AccessListRecorder).
    private readonly AccessListRecorder _recorder = new();
    // Runs the blocks that do not speculate.
    private readonly SequentialExecutor _inOrder = new();
    private int _busy;

    /// <summary>The most workers an executor may have.</summary>
    public const int MaxWorkers = 256;

    /// <summary>
    /// An executor with <paramref name="workers"/> worker threads (the caller's thread is one of
    /// them), of which at most <see cref="Environment.ProcessorCount"/> run a block unless
    /// <paramref name="oversubscribe"/> is set. Oversubscribing never pays for speed; the tests use
    /// it to run 16 workers on 2 cores, where races show.
    /// </summary>
    public ParallelExecutor(int workers, bool oversubscribe = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workers, MaxWorkers);
        Workers = workers;
        ActiveWorkers = oversubscribe ? workers : Math.Min(workers, Environment.ProcessorCount);
        _group = new WorkerGroup(ActiveWorkers);
        _run = new BlockRun(ActiveWorkers);
        _accessListRun = new AccessListRun(ActiveWorkers);
        _work = _run.Work;
    }

    /// <inheritdoc/>
    public string Name => "parallel";

    /// <summary>The worker count asked for (see <see cref="ActiveWorkers"/>).</summary>
    public int Workers { get; }

    /// <summary>Workers that run each block: <see cref="Workers"/>, at most one per core unless oversubscribed.</summary>
    public int ActiveWorkers { get; }

    /// <inheritdoc/>
    public BlockResult Execute(Block block, IStateReader state, ExecutionOptions? options = null)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("a ParallelExecutor runs one block at a time");
        try
        {
            var started = Stopwatch.GetTimestamp();
            options ??= ExecutionOptions.Default;
            string? dropped = null;
            bool checkList = false;
            if (options.AccessList is { } accessList)
            {
                if (_accessListRun.TryExecute(block, state, options, accessList, _group, started, out dropped, out bool unproven) is { } listed)
                {
                    ExecutionMetrics.Record(listed.Stats);
                    return listed;
                }
                checkList = unproven && accessList.Mode == AccessListMode.Strict;
            }
            BlockResult result;
            if (_run.StartBlock(block, options))
            {
                var recorder = options.RecordAccessList || checkList ? _recorder : null;
                if (recorder is not null)
                {
                    recorder.Reset();
                    state = new AccessListRecordingState(state, recorder);
                }
                _run.Prepare(block, state, options);
                _group.Run(_work);
                result = _run.Finish(Name, started);
                if (recorder is not null) result.AccessList = recorder.Build();
            }
            else
            {
                // A block run in order runs the sequential executor's own loop, on the caller's thread
                // (whose caches hold the state) with no worker to wake: it costs what sequential
                // execution costs (through the block run's copy of the loop, raw x1 read 0.95-0.97x of
                // sequential at the median in alternated processes; this way 1.01x). It records the
                // access list when the list is to be checked.
                long ran = Stopwatch.GetTimestamp();
                result = RunInOrder(block, state, checkList && !options.RecordAccessList ? options with { RecordAccessList = true } : options);
                result.Stats = _run.FinishInOrder(Name, result.Stats, started, ran);
            }
            if (checkList)
            {
                CheckAgainstRecorded(block, options.AccessList!, result.AccessList!);
                if (!options.RecordAccessList) result.AccessList = null;
            }
            if (dropped is not null) result.Stats = result.Stats with { AccessList = AccessListOutcome.Dropped, AccessListProblem = dropped };
            ExecutionMetrics.Record(result.Stats);
            return result;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    // A strict list naming keys whose starting values could not be read: the block completed the
    // ordinary way (which faults only where sequential execution does), so the list is right only if
    // it is the one the block records. (It is decoded again here: a rare path.)
    private static void CheckAgainstRecorded(Block block, AccessListInput given, BlockAccessList recorded)
    {
        if (!given.Resolve().Encode().AsSpan().SequenceEqual(recorded.Encode()))
            throw new BlockAccessListException($"block {block.Header.Number}: the access list names keys whose starting values could not be read, and it is not the block's");
    }

    private BlockResult RunInOrder(Block block, IStateReader state, ExecutionOptions options)
    {
        try
        {
            return _inOrder.Run(block, state, options);
        }
        catch (Exception e) when (e is not EngineFaultException)
        {
            throw new EngineFaultException($"engine fault in a worker: {e.Message}", e); // as the worker group reports it
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _group.Dispose();
}
