using System.Diagnostics;
using System.Threading.Channels;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// One overlapped run of a <see cref="ChainPipeline"/>: a thread per stage for the whole run — read
/// (when the blocks come as an enumeration), execute, root (apply and hash), commit — joined by
/// bounded channels, and a results channel the caller reads.
/// <para>
/// Execute hands each block to root, and root to commit, as a rendezvous (<see cref="ChannelHandoff.HandOver"/>):
/// a stage starts its next block only once the next stage has taken the last one. So block K+1
/// executes only after K-1 has entered its commit, when K-2's commit has landed: the state K+1 reads
/// is the store overlaid with K's and K-1's changes, never more (<see cref="OverlayStateReader"/>); and
/// K is hashed only after K-2's commit, whose trie nodes are in the node set K reuses (two in turn,
/// <see cref="ChainState"/>). The read stage reads at most two blocks ahead of execution (one in
/// its channel, one waiting to go in).
/// </para>
/// <para>
/// A block with an access list (when the run computes roots from lists) is handed to the root stage as
/// its execution starts instead: the root stage, once it has handed the block before to commit, applies
/// the list's post-state to the trie and hashes it while the block executes, then waits for the
/// execution and checks it (<see cref="ChainState.FinishListRoot"/>). The execute stage goes on to the
/// next block once the root stage has taken this one and the execution has ended, as before.
/// </para>
/// <para>
/// A stage that fails completes its output channel with the exception; the stages after it finish the
/// blocks already handed to them and pass the exception on, so the commit stage meets it in block
/// order, after committing every block before it. The commit stage ends the run at the first
/// rejection, failure or cancellation: it completes the results channel (with the exception) and
/// cancels the stages before it. A block rooted but not committed then is given up
/// (<see cref="ChainState.Discard"/>, the trie is rebuilt before the next block) once every stage
/// has stopped (<see cref="Finish"/>).
/// </para>
/// </summary>
internal sealed class PipelineRun
{
    private readonly ChainState _chain;
    private readonly IBlockExecutor _executor;
    private readonly int _rootThreads;
    private readonly bool _rootFromAccessList;
    private readonly ResultBuffers? _resultBuffers;
    private readonly CancellationToken _cancellation; // the caller's
    private readonly CancellationTokenSource _abandoned = new(); // the caller stopped reading results
    private readonly CancellationTokenSource _stop; // the run is over or cancelled: stages stop waiting
    private readonly Channel<ExecutingBlock> _executed = ChannelHandoff.Bounded<ExecutingBlock>(1);
    private readonly Channel<RootedBlock> _rooted = ChannelHandoff.Bounded<RootedBlock>(1);
    private readonly Channel<CommittedBlock> _results;
    private readonly List<Task> _stages = new(4);
    private RootedBlock? _unhanded; // rooted, then the run stopped before commit took it
    private long _waiting; // Stopwatch ticks the execute stage waited for the root stage

    /// <summary>Overlays built in the dictionary of an earlier one (read once the run has finished).</summary>
    public long RecycledOverlays { get; private set; }

    /// <param name="chain">The chain every block is applied to and committed on.</param>
    /// <param name="executor">Executes each block.</param>
    /// <param name="rootThreads">Threads for hashing a block's trie.</param>
    /// <param name="rootFromAccessList">Hash a block's access list's post-state while the block executes.</param>
    /// <param name="resultBuffers">Where blocks' receipts and changes are collected, when the pipeline recycles them (<see cref="ChainPipeline.RecycleResults"/>).</param>
    /// <param name="synchronousResults">
    /// True when the caller blocks on <see cref="Results"/> (it is woken on the commit thread); false
    /// when it awaits them, so its continuation never runs on the commit thread.
    /// </param>
    /// <param name="cancellation">Stops the run at a block boundary.</param>
    public PipelineRun(ChainState chain, IBlockExecutor executor, int rootThreads, bool rootFromAccessList, ResultBuffers? resultBuffers,
        bool synchronousResults, CancellationToken cancellation)
    {
        _resultBuffers = resultBuffers;
        _chain = chain;
        _executor = executor;
        _rootThreads = rootThreads;
        _rootFromAccessList = rootFromAccessList;
        _cancellation = cancellation;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _abandoned.Token);
        _results = ChannelHandoff.Bounded<CommittedBlock>(1, synchronousResults);
    }

    /// <summary>
    /// Every committed block in order, then the rejected block if the run stopped at one; completed
    /// with the first failure in block order, or with an <see cref="OperationCanceledException"/>.
    /// Each block is handed over as a rendezvous: peek it, handle it, then take it
    /// (<see cref="ChannelReader{T}.TryRead"/>); the next block is committed only then, so while the
    /// caller handles a block the store's head is that block.
    /// </summary>
    public ChannelReader<CommittedBlock> Results => _results.Reader;

    /// <summary>Time the execute stage waited, after executing a block, for the root stage to take it.</summary>
    public TimeSpan Waiting => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waiting));

    /// <summary>Starts the stages on blocks read from a channel.</summary>
    public void Start(ChannelReader<PipelineBlock> blocks)
    {
        StartStage("execute", () => Execute(blocks));
        StartStage("root", Root);
        StartStage("commit", Commit);
    }

    /// <summary>Starts the stages, with a read stage that enumerates <paramref name="blocks"/> on its own thread.</summary>
    public void Start(IEnumerable<PipelineBlock> blocks)
    {
        var input = ChannelHandoff.Bounded<PipelineBlock>(1);
        StartStage("read", () => Read(blocks, input.Writer));
        Start(input.Reader);
    }

    /// <summary>
    /// Stops the stages if they still run, waits for them and gives up a block rooted but not
    /// committed. Call once, after reading <see cref="Results"/> (to its end, or as far as wanted).
    /// </summary>
    public void Finish()
    {
        _abandoned.Cancel();
        Task.WaitAll(_stages);
        DiscardUncommitted();
    }

    /// <inheritdoc cref="Finish"/>
    public async Task FinishAsync()
    {
        _abandoned.Cancel();
        await Task.WhenAll(_stages).ConfigureAwait(false);
        DiscardUncommitted();
    }

    private void DiscardUncommitted()
    {
        if (_unhanded is not null) _chain.Discard(_unhanded);
        while (_rooted.Reader.TryRead(out var rooted)) _chain.Discard(rooted);
        _stop.Dispose();
        _abandoned.Dispose();
    }

    // A dedicated thread per stage (long work; see ChannelHandoff). The stage bodies catch everything.
    private void StartStage(string name, Action stage) =>
        _stages.Add(Task.Factory.StartNew(() =>
        {
            Thread.CurrentThread.Name = "ParallelExec pipeline: " + name;
            stage();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));

    private void Read(IEnumerable<PipelineBlock> blocks, ChannelWriter<PipelineBlock> output)
    {
        Exception? error = null;
        try
        {
            foreach (var block in blocks) ChannelHandoff.Write(output, block, _stop.Token);
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            output.TryComplete(error);
        }
    }

    private void Execute(ChannelReader<PipelineBlock> blocks)
    {
        var output = _executed.Writer;
        Exception? error = null;
        try
        {
            OverlayStateReader? state = null; // the state after the last block: its and the block before's changes over the store
            // The overlays' dictionaries, reused in turn (see OverlayRing).
            var overlays = new Dictionary<StateKey, UInt256>?[OverlayRing];
            long executedBlocks = 0;
            long previous = _chain.Head.Number;
            while (ChannelHandoff.Take(blocks, _stop.Token, out var block))
            {
                _stop.Token.ThrowIfCancellationRequested();
                PipelineBlock.Check(block);
                ChainState.CheckFollows(block.Block, previous);
                var before = state ?? (IStateReader)_chain.Store;
                var executing = new ExecutingBlock(block, _rootFromAccessList ? ChainState.ListToHash(block.Options) : null, before);
                // With a list the root stage takes the block now (the channel is empty: it took the last one).
                if (executing.AccessList is not null) ChannelHandoff.Write(output, executing, _stop.Token);
                ExecutedBlock executed;
                try
                {
                    executed = _chain.ExecuteOver(before, block.Block, _executor, ChainPipeline.WithResultBuffers(block.Options, _resultBuffers));
                }
                catch (Exception e) when (executing.AccessList is not null)
                {
                    executing.Fail(e); // the root stage waits for it; then the exception goes on as any other
                    throw;
                }
                executing.Complete(executed);
                // Built before the hand-over and never changed: the next block reads it from its workers.
                // By the time that block runs, the one before this is committing and the one before that committed.
                int turn = (int)(executedBlocks++ % OverlayRing);
                if (overlays[turn] is not null) RecycledOverlays++;
                state = new OverlayStateReader(_chain.Store, executed.Result.ChangeSpan, state, overlays[turn]);
                overlays[turn] = state.Changes.Count <= MaxRecycledOverlay ? state.Changes : null;
                previous = block.Block.Header.Number;
                var waitStarted = Stopwatch.GetTimestamp();
                bool handed = true;
                if (executing.AccessList is not null) ChannelHandoff.WaitTaken(output, _stop.Token);
                else handed = ChannelHandoff.HandOver(output, executing, _stop.Token);
                Interlocked.Add(ref _waiting, Stopwatch.GetTimestamp() - waitStarted);
                if (!handed) _stop.Token.ThrowIfCancellationRequested();
            }
        }
        catch (Exception e)
        {
            error = e; // the root stage passes it on after the blocks before it
        }
        finally
        {
            output.TryComplete(error);
        }
    }

    /// <summary>
    /// Overlays whose dictionaries the execute stage keeps for reuse. The overlay built after block J
    /// executes is read by the execution and the root stage of J+1 (a root stage with an access list
    /// reads the state before its block) and, as the block before in J+1's overlay, by those of J+2.
    /// The overlay after J+4 is built once J+3 has been taken by the root stage, so after J+2's root:
    /// by then nothing reads J's. Four would do; one more to spare.
    /// </summary>
    private const int OverlayRing = 5;

    /// <summary>Changes past which an overlay's dictionary is not kept (an unusually large block).</summary>
    private const int MaxRecycledOverlay = 1 << 17;

    private void Root()
    {
        var output = _rooted.Writer;
        Exception? error = null;
        try
        {
            while (ChannelHandoff.Take(_executed.Reader, _stop.Token, out var work))
            {
                _stop.Token.ThrowIfCancellationRequested();
                var block = work.Block;
                RootedBlock rooted;
                if (work.AccessList is { } list)
                {
                    var started = _chain.BeginListRoot(block.Block, list, _rootThreads);
                    rooted = _chain.FinishListRoot(started, work.Wait(_stop.Token), work.Before, block.Hash, block.Accept, _rootThreads);
                }
                else
                {
                    rooted = _chain.Root(work.Wait(_stop.Token), block.Hash, block.Accept, _rootThreads);
                }
                if (!ChannelHandoff.HandOver(output, rooted, _stop.Token))
                {
                    _unhanded = rooted;
                    _stop.Token.ThrowIfCancellationRequested();
                }
                if (!rooted.Accepted) break; // the run ends at a rejected root: the next block is never hashed
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            output.TryComplete(error);
        }
    }

    private void Commit()
    {
        var results = _results.Writer;
        Exception? outcome = null;
        try
        {
            while (ChannelHandoff.Take(_rooted.Reader, _stop.Token, out var rooted))
            {
                if (!rooted.Accepted)
                {
                    ChannelHandoff.Write(results, rooted.Rejected(), _abandoned.Token);
                    break;
                }
                // Whatever root handed over is committed, even once the run is cancelled, and reported.
                ChannelHandoff.HandOver(results, _chain.Commit(rooted), _abandoned.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            outcome = new OperationCanceledException("the chain pipeline was cancelled", _cancellation);
        }
        catch (Exception e)
        {
            outcome = e; // the first failure in block order
        }
        finally
        {
            _stop.Cancel(); // nothing more will be committed: the stages before stop
            results.TryComplete(outcome);
        }
    }
}
