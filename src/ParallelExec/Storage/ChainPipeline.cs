using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// Runs blocks on a <see cref="ChainState"/> in overlapping stages, each on its own thread, handing
/// blocks on through bounded <c>System.Threading.Channels</c> channels: read (an enumeration of
/// blocks; a node's <see cref="ChannelReader{T}"/> is read directly), execute (with the executor's
/// workers), root (apply to the trie and hash) and commit. Block K+1 executes while block K is hashed
/// and block K-1 committed. K+1 reads the store's committed state overlaid with K's and K-1's changes
/// (<see cref="OverlayStateReader"/>), so it sees the state after K whether or not those commits have
/// landed, and the previous values its undo journal records are those after K.
/// <para>
/// The outcome is that of calling <see cref="ChainState.Execute"/> block after block — same roots,
/// same store contents, same journal, same order of reports — which is what a pipeline built with
/// <c>overlap: false</c> does. Only the root stage touches the trie; blocks are committed strictly in
/// order, each in one atomic store commit. A block whose root is rejected is not committed and nothing
/// after it is (a block executed meanwhile is discarded). Failures surface as they would sequentially,
/// in block order, after the blocks before them have finished: when block K+1 (or reading it) fails,
/// K-1 and K are still committed and reported, then K+1's exception is thrown; if K is rejected
/// instead, the run ends with K's rejection (K+1 would never have run); if K-1's commit fails, that
/// exception is thrown and K, hashed meanwhile, is discarded; if K's root fails, K-1 is committed and
/// reported first. Cancellation stops the run between blocks: no block is started once it is
/// requested, a block already handed to the commit stage is committed and reported, the block being
/// hashed is discarded, and the run throws <see cref="OperationCanceledException"/>. After a failure
/// or a cancellation the store is at its last committed block (commits are atomic) and the chain
/// state stays usable (its trie is rebuilt on the next block when it holds a discarded block).
/// </para>
/// One run at a time; the chain state must not be used by anything else during a run.
/// </summary>
public sealed class ChainPipeline
{
    private readonly ChainState _chain;
    private readonly IBlockExecutor _executor;

    /// <summary>A pipeline running <paramref name="executor"/>'s blocks on <paramref name="chain"/>, overlapped unless <paramref name="overlap"/> is false.</summary>
    /// <param name="chain">The chain every block is applied to and committed on.</param>
    /// <param name="executor">Executes each block (sequential or parallel).</param>
    /// <param name="overlap">Run the stages of consecutive blocks at once (false: one block at a time).</param>
    /// <param name="rootParallelism">
    /// Threads for hashing a block's trie while the next block executes; by default the cores the
    /// executor leaves free (<see cref="StageParallelism"/>). Without overlap the chain's own setting applies.
    /// Applying the block to the trie before hashing uses all of the chain's threads (see <see cref="ChainState.RootParallelism"/>).
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
    /// A block that comes with an access list (<see cref="ExecutionOptions.AccessList"/>) has the list's
    /// post-state applied to the trie and hashed while it executes (on the root stage, or without
    /// overlap on a thread of its own), and checked against its actual changes afterwards
    /// (<see cref="CommittedBlock.ListRoot"/> says whether that stood). On by default; false computes
    /// every root after execution.
    /// </summary>
    public bool RootFromAccessList { get; init; } = true;

    /// <summary>
    /// Collect each block's receipts and changes (<see cref="BlockResult.Receipts"/>,
    /// <see cref="BlockResult.Changes"/>) into buffers the pipeline reuses, rather than into arrays of
    /// their own per block (~3 MB for a block of 10,000 transfers, on the large-object heap: most of
    /// what sets off the collector's full collections in a long replay). A block's buffers are reused
    /// once it has been reported, so its receipts and changes are readable only while it is reported:
    /// in <see cref="Run(IEnumerable{PipelineBlock}, Action{CommittedBlock}?)"/>'s callback, or from
    /// <see cref="RunAsync"/> until the next block is asked for (reading them then copies them, and the
    /// copy stays); read after that, they throw <see cref="InvalidOperationException"/>. A rejected
    /// block's stay readable. Off by default. Applies to the built-in executors (the results of an
    /// executor of the caller's are its own).
    /// </summary>
    public bool RecycleResults
    {
        get => _resultBuffers is not null;
        init => _resultBuffers = value ? new ResultBuffers() : null;
    }

    private readonly ResultBuffers? _resultBuffers;

    /// <summary>A block's options with the pipeline's result buffers, when it recycles them.</summary>
    internal static ExecutionOptions? WithResultBuffers(ExecutionOptions? options, ResultBuffers? buffers) =>
        buffers is null ? options : (options ?? ExecutionOptions.Default) with { ResultBuffers = buffers };

    /// <summary>Gives a reported block's result buffers back to the pipeline.</summary>
    private void Reported(CommittedBlock block)
    {
        if (_resultBuffers is not null) block.Result.ReturnLentBuffers();
    }

    /// <summary>
    /// Hashing threads that leave an executor of <paramref name="executorWorkers"/> its cores while it runs:
    /// the cores it does not use, at least one, at most <paramref name="limit"/>. Measured on 2 cores over
    /// RocksDB, where executing a block takes about as long as hashing and committing it, hashing on 2
    /// threads while the executor ran cost more CPU than it saved.
    /// </summary>
    public static int StageParallelism(int executorWorkers, int limit) =>
        Math.Max(1, Math.Min(limit, Environment.ProcessorCount - executorWorkers));

    /// <summary>
    /// Total time the execute stage waited, after executing a block, for the root stage to take it
    /// (the part of hashing and committing the block before that execution did not hide).
    /// </summary>
    public TimeSpan Waiting { get; private set; }

    private int _running;

    /// <summary>Overlays the execute stage built in the dictionary of an earlier block's (for tests: every block after the first few).</summary>
    internal long RecycledOverlays { get; private set; }

    /// <summary>
    /// Executes and commits <paramref name="blocks"/> in order (the first must follow the head), calling
    /// <paramref name="committed"/> on the calling thread for each committed block, in order (no other
    /// commit runs meanwhile: the store's head is that block). Returns the
    /// first block whose root was rejected (not committed; the run stopped there), or null when every
    /// block was committed. Overlapped, the enumeration is read on the pipeline's read stage thread, at
    /// most a block or two ahead of execution.
    /// </summary>
    public CommittedBlock? Run(IEnumerable<PipelineBlock> blocks, Action<CommittedBlock>? committed = null) =>
        Run(blocks, committed, CancellationToken.None);

    /// <inheritdoc cref="Run(IEnumerable{PipelineBlock}, Action{CommittedBlock}?)"/>
    /// <param name="blocks">The blocks, in order.</param>
    /// <param name="committed">Sees each committed block; if it throws, the run stops there as at a failing stage, with the store at that block.</param>
    /// <param name="cancellationToken">Stops the run between blocks (<see cref="OperationCanceledException"/>, every committed block reported first).</param>
    public CommittedBlock? Run(IEnumerable<PipelineBlock> blocks, Action<CommittedBlock>? committed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        cancellationToken.ThrowIfCancellationRequested();
        Enter();
        try
        {
            return Overlap ? RunOverlapped(blocks, committed, cancellationToken) : RunSequential(blocks, committed, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>
    /// Runs the blocks a node receives on <paramref name="blocks"/> (each must follow the one before;
    /// the first, the head) and yields each committed block in order, as soon as it is committed. The
    /// run ends when the writer completes the channel and every block in flight is committed; when a
    /// root is rejected (the rejected block, <see cref="CommittedBlock.Committed"/> false, is yielded
    /// last); at the first failure in block order (thrown after the blocks before it are yielded; the
    /// writer completing the channel with an exception is such a failure); or at cancellation by
    /// <paramref name="cancellationToken"/> (the committed blocks are yielded, then
    /// <see cref="OperationCanceledException"/> is thrown). Disposing the enumerator early stops the run
    /// too (blocks committed after that are not yielded). The store is at its last committed block
    /// whichever way the run ends.
    /// <para>
    /// Back-pressure: the pipeline takes a block from the channel when the execute stage is free (a
    /// bounded channel makes the node wait while the pipeline is busy), and commits nothing while the
    /// consumer handles a yielded block (the store's head is that block until it asks for the next). Stages run on the pipeline's own
    /// threads; the consumer's code never runs on them. Without overlap each block is executed, hashed
    /// and committed on the thread that asks for the next result.
    /// </para>
    /// </summary>
    public IAsyncEnumerable<CommittedBlock> RunAsync(ChannelReader<PipelineBlock> blocks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        return Overlap ? RunOverlappedAsync(blocks, cancellationToken) : RunSequentialAsync(blocks, cancellationToken);
    }

    private void Enter()
    {
        if (Interlocked.Exchange(ref _running, 1) != 0) throw new InvalidOperationException("the chain pipeline is already running");
    }

    private CommittedBlock ExecuteOne(PipelineBlock block)
    {
        PipelineBlock.Check(block);
        return _chain.Execute(block.Block, block.Hash, _executor, WithResultBuffers(block.Options, _resultBuffers), block.Accept, RootFromAccessList);
    }

    private CommittedBlock? RunSequential(IEnumerable<PipelineBlock> blocks, Action<CommittedBlock>? committed, CancellationToken cancellationToken)
    {
        foreach (var block in blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = ExecuteOne(block);
            if (!result.Committed) return result;
            committed?.Invoke(result);
            Reported(result);
        }
        return null;
    }

    private CommittedBlock? RunOverlapped(IEnumerable<PipelineBlock> blocks, Action<CommittedBlock>? committed, CancellationToken cancellationToken)
    {
        var run = new PipelineRun(_chain, _executor, RootParallelism, RootFromAccessList, _resultBuffers, synchronousResults: true, cancellationToken);
        try
        {
            run.Start(blocks);
            // Throws the run's failure or cancellation after the blocks committed before it.
            while (ChannelHandoff.Peek(run.Results, CancellationToken.None, out var done))
            {
                if (!done.Committed) return done;
                committed?.Invoke(done); // no commit in flight meanwhile: the store's head is this block
                Reported(done);
                run.Results.TryRead(out _);
            }
            return null;
        }
        finally
        {
            run.Finish();
            Waiting += run.Waiting;
            RecycledOverlays += run.RecycledOverlays;
        }
    }

    private async IAsyncEnumerable<CommittedBlock> RunOverlappedAsync(ChannelReader<PipelineBlock> blocks,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Enter();
        var run = new PipelineRun(_chain, _executor, RootParallelism, RootFromAccessList, _resultBuffers, synchronousResults: false, cancellationToken);
        try
        {
            run.Start(blocks);
            var results = run.Results;
            while (await results.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (!results.TryPeek(out var done)) continue;
                yield return done; // no commit in flight until the consumer asks for the next block
                if (!done.Committed) yield break;
                Reported(done);
                results.TryRead(out _);
            }
        }
        finally
        {
            await run.FinishAsync().ConfigureAwait(false);
            Waiting += run.Waiting;
            RecycledOverlays += run.RecycledOverlays;
            Volatile.Write(ref _running, 0);
        }
    }

    private async IAsyncEnumerable<CommittedBlock> RunSequentialAsync(ChannelReader<PipelineBlock> blocks,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            while (await blocks.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (blocks.TryRead(out var block))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var result = ExecuteOne(block);
                    yield return result;
                    if (!result.Committed) yield break;
                    Reported(result);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}
