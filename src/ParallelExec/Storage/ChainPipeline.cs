using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// Runs blocks on a <see cref="ChainState"/> in three overlapping stages: block K+1 executes on the
/// calling thread (with the executor's workers) while block K's trie update and root are computed on
/// one background thread and block K-1 is committed on another. K+1 reads the store's committed state
/// overlaid with K's and K-1's changes (<see cref="OverlayStateReader"/>), so it sees the state after K
/// whether or not those commits have landed, and the previous values its undo journal records are
/// those after K.
/// <para>
/// The outcome is that of calling <see cref="ChainState.Execute"/> block after block — same roots,
/// same store contents, same journal, same order of <c>committed</c> calls — which is what a pipeline
/// built with <c>overlap: false</c> does. Only the root stage touches the trie; blocks are committed
/// strictly in order, each in one atomic store commit. A block whose root is rejected is not committed
/// and nothing after it is (a block executed meanwhile is discarded). A failure surfaces as it would
/// sequentially, after the work in flight before it has finished: when block K+1 (or reading it) fails,
/// K-1 and K still complete — committed and reported — then K+1's exception is rethrown; if K is
/// rejected instead, the run returns K's rejection (K+1 would never have run); if K-1's commit fails,
/// that exception is thrown and K is discarded; if K's root fails, K-1 is committed and reported first.
/// After a failure the store is at its last committed block (commits are atomic) and the chain state
/// stays usable (its trie is rebuilt on the next block).
/// </para>
/// One run at a time; the chain state must not be used by anything else during a run.
/// </summary>
public sealed class ChainPipeline
{
    private readonly ChainState _chain;
    private readonly IBlockExecutor _executor;

    /// <param name="chain">The chain every block is applied to and committed on.</param>
    /// <param name="executor">Executes each block (sequential or parallel).</param>
    /// <param name="overlap">Run the stages of consecutive blocks at once (false: one block at a time).</param>
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
    /// the commit before it to finish (the part of the background stages that execution did not hide).
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
        Task<RootedBlock>? rooting = null;       // block K: trie update, root, node export
        Task<CommittedBlock>? committing = null; // block K-1: store commit
        OverlayStateReader? state = null;        // the state after K: K's and K-1's changes over the store
        long previous = _chain.Head.Number;
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
                ChainState.CheckFollows(block.Block, previous);
                executed = _chain.ExecuteOver(state ?? (IStateReader)_chain.Store, block.Block, _executor, block.Options);
            }
            catch
            {
                // Sequentially, the blocks in flight would have been finished (and reported) before this one ran.
                if (Drain(rooting, committing, committed) is { } rejectedBefore) return rejectedBefore;
                throw;
            }
            if (rooting is not null)
            {
                var waitStarted = Stopwatch.GetTimestamp();
                var rejected = HandOver(ref rooting, ref committing, committed);
                Waiting += Stopwatch.GetElapsedTime(waitStarted);
                if (rejected is not null) return rejected; // the block just executed is discarded
            }
            // Built before the stages start and never changed: the next block reads it from its workers.
            // K-1 is committed by now, so K's changes (if K is still committing) and this block's suffice.
            state = new OverlayStateReader(_chain.Store, executed.Result.Changes, state);
            previous = block.Block.Header.Number;
            var hash = block.Hash;
            var accept = block.Accept;
            int threads = RootParallelism;
            rooting = Task.Factory.StartNew(() => _chain.Root(executed, hash, accept, threads), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        return Drain(rooting, committing, committed);
    }

    /// <summary>
    /// Between blocks: waits for K-1's commit (reports it) and K's root, then starts K's commit.
    /// Returns K's rejection (nothing in flight then). Failures surface in block order: K-1's commit,
    /// then K's root.
    /// </summary>
    private CommittedBlock? HandOver(ref Task<RootedBlock>? rooting, ref Task<CommittedBlock>? committing, Action<CommittedBlock>? committed)
    {
        var root = rooting!;
        rooting = null;
        FinishCommit(committing, root, committed);
        committing = null;
        var rooted = root.GetAwaiter().GetResult(); // rethrows the root's own exception
        if (!rooted.Accepted) return rooted.Rejected();
        committing = Task.Factory.StartNew(() => _chain.Commit(rooted), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return null;
    }

    /// <summary>
    /// Finishes everything in flight in block order — K-1's commit, then K's root and commit — and
    /// returns K's rejection, if any. Rethrows the first failure.
    /// </summary>
    private CommittedBlock? Drain(Task<RootedBlock>? rooting, Task<CommittedBlock>? committing, Action<CommittedBlock>? committed)
    {
        if (rooting is not null && HandOver(ref rooting, ref committing, committed) is { } rejected) return rejected;
        FinishCommit(committing, null, committed);
        return null;
    }

    // Waits for a commit and reports it. If it failed, the block rooted after it is waited for (it
    // touches the trie) and given up, and the commit's exception is rethrown.
    private void FinishCommit(Task<CommittedBlock>? committing, Task<RootedBlock>? rootingAfter, Action<CommittedBlock>? committed)
    {
        if (committing is null) return;
        CommittedBlock result;
        try
        {
            result = committing.GetAwaiter().GetResult();
        }
        catch
        {
            if (rootingAfter is not null)
            {
                try
                {
                    _chain.Discard(rootingAfter.GetAwaiter().GetResult());
                }
                catch
                {
                    // The earlier block's failure is the one to report; the trie is rebuilt either way.
                }
            }
            throw;
        }
        committed?.Invoke(result);
    }
}
