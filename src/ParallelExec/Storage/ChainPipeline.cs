using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// Runs blocks on a <see cref="ChainState"/> with one block in flight: block N+1 executes on the
/// calling thread (with the executor's workers) while block N's trie root is computed and N is
/// committed on a background thread. N+1 reads the store's committed state overlaid with N's changes
/// (<see cref="OverlayStateReader"/>), so it sees the state after N whether or not N's commit has
/// landed, and the previous values its undo journal records are those after N.
/// <para>
/// The outcome is that of calling <see cref="ChainState.Execute"/> block after block — same roots,
/// same store contents, same journal, same order of <c>committed</c> calls — which is what a pipeline
/// built with <c>overlap: false</c> does. Only the background stage touches the trie; blocks are
/// committed strictly in order, each in one atomic store commit. A block whose root is rejected is not
/// committed and nothing after it is (a block executed meanwhile is discarded). A failure surfaces as
/// it would sequentially, after the work in flight has finished: when block N+1 (or reading it) fails
/// while N is in flight, N still completes — it is committed and reported, then N+1's exception is
/// rethrown; if N is rejected instead, the run returns N's rejection (N+1 would never have run); if
/// N's root or commit fails, that exception is thrown and N+1 is discarded. After a failure the store
/// is at its last committed block (commits are atomic) and the chain state stays usable (its trie is
/// rebuilt on the next block).
/// </para>
/// One run at a time; the chain state must not be used by anything else during a run.
/// </summary>
public sealed class ChainPipeline
{
    private readonly ChainState _chain;
    private readonly IBlockExecutor _executor;

    /// <param name="rootParallelism">
    /// Threads for hashing a block's trie while the next block executes; by default the cores the
    /// executor leaves free (<see cref="StageParallelism"/>). Without overlap the chain's own setting applies.
    /// </param>
    public ChainPipeline(ChainState chain, IBlockExecutor executor, bool overlap = true, int? rootParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(executor);
        if (rootParallelism is < 1) throw new ArgumentOutOfRangeException(nameof(rootParallelism), "at least one thread");
        _chain = chain;
        _executor = executor;
        Overlap = overlap;
        RootParallelism = overlap ? rootParallelism ?? StageParallelism(executor.Workers, chain.RootParallelism) : chain.RootParallelism;
    }

    /// <summary>False: every block is executed, hashed and committed before the next one starts.</summary>
    public bool Overlap { get; }

    /// <summary>Threads hashing each block's trie.</summary>
    public int RootParallelism { get; }

    /// <summary>
    /// Hashing threads that leave an executor of <paramref name="executorWorkers"/> its cores while it runs:
    /// the cores it does not use, at least one, at most <paramref name="limit"/>. Measured on 2 cores over
    /// RocksDB, where executing a block takes about as long as hashing and committing it, hashing on 2
    /// threads while the executor ran cost more CPU than it saved.
    /// </summary>
    public static int StageParallelism(int executorWorkers, int limit) =>
        Math.Max(1, Math.Min(limit, Environment.ProcessorCount - executorWorkers));

    /// <summary>
    /// Total time the calling thread waited, after executing a block, for the previous block's root and
    /// commit to finish (the part of the background stage that execution did not hide).
    /// </summary>
    public TimeSpan Waiting { get; private set; }

    /// <summary>
    /// Executes and commits <paramref name="blocks"/> in order (the first must follow the head), calling
    /// <paramref name="committed"/> on the calling thread for each committed block, in order. Returns the
    /// first block whose root was rejected (not committed; the run stopped there), or null when every
    /// block was committed. The enumeration is read on the calling thread, overlapped with the stage.
    /// </summary>
    public CommittedBlock? Run(IEnumerable<PipelineBlock> blocks, Action<CommittedBlock>? committed = null)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        return Overlap ? RunOverlapped(blocks, committed) : RunSequential(blocks, committed);
    }

    private CommittedBlock? RunSequential(IEnumerable<PipelineBlock> blocks, Action<CommittedBlock>? committed)
    {
        foreach (var block in blocks)
        {
            var result = _chain.Execute(block.Block, block.Hash, _executor, block.Options, block.Accept);
            if (!result.Committed) return result;
            committed?.Invoke(result);
        }
        return null;
    }

    private CommittedBlock? RunOverlapped(IEnumerable<PipelineBlock> blocks, Action<CommittedBlock>? committed)
    {
        InFlight? pending = null;
        using var enumerator = blocks.GetEnumerator();
        while (true)
        {
            ExecutedBlock executed;
            PipelineBlock block;
            try
            {
                if (!enumerator.MoveNext()) break;
                block = enumerator.Current ?? throw new ArgumentException("a pipeline block is null", nameof(blocks));
                ArgumentNullException.ThrowIfNull(block.Block, nameof(blocks));
                // Only the stage writes the head, so while a block is in flight the next number comes from it.
                ChainState.CheckFollows(block.Block, pending?.Number ?? _chain.Head.Number);
                IStateReader state = pending is null ? _chain.Store : pending.State;
                executed = _chain.ExecuteOver(state, block.Block, _executor, block.Options);
            }
            catch
            {
                // Sequentially, block N would have been finished (and reported) before N+1 ran.
                if (pending is not null && Finish(pending, committed) is { } rejectedBefore) return rejectedBefore;
                throw;
            }
            if (pending is not null)
            {
                var waitStarted = Stopwatch.GetTimestamp();
                var finished = Finish(pending, committed);
                Waiting += Stopwatch.GetElapsedTime(waitStarted);
                pending = null;
                if (finished is not null) return finished; // rejected: the block just executed is discarded
            }
            pending = Start(executed, block);
        }
        return pending is null ? null : Finish(pending, committed);
    }

    /// <summary>Starts the root and commit of an executed block on a background thread.</summary>
    private InFlight Start(ExecutedBlock executed, PipelineBlock block)
    {
        // Built before the stage starts and never changed: the next block reads it from its workers.
        var state = new OverlayStateReader(_chain.Store, executed.Result.Changes);
        var hash = block.Hash;
        var accept = block.Accept;
        int threads = RootParallelism;
        var stage = Task.Factory.StartNew(() => _chain.RootAndCommit(executed, hash, accept, threads), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return new InFlight(executed.Block.Header.Number, state, stage);
    }

    /// <summary>
    /// Waits for the block in flight. Committed: reports it and returns null. Rejected: returns it.
    /// Failed: rethrows the stage's exception.
    /// </summary>
    private static CommittedBlock? Finish(InFlight pending, Action<CommittedBlock>? committed)
    {
        var result = pending.Stage.GetAwaiter().GetResult(); // rethrows the stage's own exception
        if (!result.Committed) return result;
        committed?.Invoke(result);
        return null;
    }

    private sealed record InFlight(long Number, OverlayStateReader State, Task<CommittedBlock> Stage);
}
