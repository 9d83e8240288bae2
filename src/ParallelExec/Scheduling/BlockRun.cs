using System.Diagnostics;
using System.Runtime.CompilerServices;
using ParallelExec.Execution;
using ParallelExec.MultiVersion;
using ParallelExec.State;

namespace ParallelExec.Scheduling;

/// <summary>
/// One block on N workers. Each worker loops over two jobs:
/// <list type="number">
/// <item>Commit (whoever holds the commit lock: worker 0 whenever there is something to commit, the
/// others only when they have nothing to speculate): walk the block in order from the commit index;
/// validate each speculative output against the committed prefix (every read must still see the
/// same value) and apply it; a transaction whose reads changed, or that nobody ran yet, is executed
/// right there over the committed prefix, which is final, so each transaction runs at most twice.</item>
/// <item>Speculate: take the next transaction in block order and run it over multi-version memory
/// (the starting state plus every write published so far by earlier transactions), then publish
/// its writes for later transactions. A transaction whose declared predecessor has not run yet is
/// left for the committer (dependency order). Under contention, or when speculating does not pay,
/// speculation pauses (<see cref="SpeculationMonitor"/>).</item>
/// </list>
/// A block that does not speculate (one worker, one transaction, or the monitor's choice after blocks
/// lost to speculation) does not come here beyond <see cref="StartBlock"/> and <see cref="FinishInOrder"/>: the parallel executor runs it wholly in order on the caller's
/// thread alone, in the sequential executor's own loop (no worker is woken, no cache moves to
/// another core, multi-version memory is not touched).
/// The state of the run is reused across blocks (pooled outputs, version lists, overlay).
/// </summary>
internal sealed class BlockRun
{
    private const int Lookahead = 1024;
    // Idle spins (a few microseconds) before the committer takes over a transaction a worker is still
    // running: long enough that a run about to finish is not redone, short against any block.
    private const int TakeOverAfterSpins = 12;
    // The worker that commits whenever there is something to commit (the caller's thread, where a
    // block run in order runs too). Any other worker commits only once it has nothing to speculate:
    // the commit walk never waits on a busy committer, and the committed prefix, the commit lock and
    // the commit cursor stay on one core. When every worker committed as soon as it finished a
    // transaction, the commit walk moved between cores with the overlay's lines behind it (with the
    // two cores on different L3s, the serial path per speculated transaction was about 40 % longer;
    // docs/performance.md).
    private const int PreferredCommitter = 0;

    private readonly int _workers;
    private readonly MultiVersionMap _versions;
    private readonly BlockOverlay _overlay = new();
    private readonly SpeculationMonitor _speculation = new();
    private readonly TransactionContext[] _contexts;
    private readonly VersionPrefetcher[] _prefetchers;
    private readonly Dictionary<StateKey, int> _hintWriters = new();
    // Overlay entries written during a sequential stretch: published (with their committed values)
    // only if speculation resumes.
    private readonly List<int> _stretchWrites = new();
    // The committer executes into its own output (cache-hot), not the transaction's speculative one.
    private readonly TxOutput _committerOutput = new();
    private TxOutput[] _outputs = [];
    private int[] _status = [];
    private int[] _predecessor = [];
    // Per worker, each on its own line: the transaction it is running speculatively (written by the
    // worker as it claims one), and the one the committer took over from it (written only then; the
    // worker's run checks it at every state access and gas charge, see TransactionContext).
    private readonly PaddedInt[] _running;
    private readonly PaddedInt[] _takenOver;

    private Block _block = null!;
    private IReadOnlyList<ITransaction> _txs = null!;
    private Receipt[] _receipts = [];
    private List<(int, int)>? _dependencies;
    private Hash256[]? _digests;
    private int _count;
    private bool _speculate;
    private bool _useHints;
    private bool _recordTouchedKeys;
    private ResultBuffers? _resultBuffers;
    // Set when a stretch outlasts the block: the rest of it runs in order on the caller's thread and
    // speculation never resumes. The caller's thread asks for the commit lock once it is free (it may
    // still be running a speculative transaction, which the committer then takes over: never waited on).
    private volatile bool _inOrderToEnd, _callerWaiting;

    // Shared cursors, each on its own cache line. _nextSpeculative: next transaction to run
    // speculatively. _commitIndex: all below are final (written by the committer, read by all).
    private PaddedInt _nextSpeculative;
    private PaddedInt _commitIndex;
    private PaddedInt _commitLock;
    private volatile bool _aborted;
    // Reset while speculation is paused: idle workers block on it instead of spinning, so the
    // committer's core is not shared with a spinner when the machine has other work.
    private readonly ManualResetEventSlim _speculationAllowed = new(initialState: true);
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(1);

    // Counters: the workers' own (one cache line each, summed at the end of the block), and the
    // committer's (only the commit-lock holder writes them).
    private readonly WorkerCounters[] _workerCounters;
    private long _reexecutions, _validationFailures, _committerExecutions, _speculativeCommits, _takeovers;
    private long _validationTicks;

    public BlockRun(int workers)
    {
        _workers = workers;
        _versions = new MultiVersionMap();
        _contexts = new TransactionContext[workers];
        _prefetchers = new VersionPrefetcher[workers];
        for (int i = 0; i < workers; i++)
        {
            _contexts[i] = new TransactionContext();
            _prefetchers[i] = new VersionPrefetcher();
        }
        _workerCounters = new WorkerCounters[workers];
        _running = new PaddedInt[workers];
        _takenOver = new PaddedInt[workers];
    }

    /// <summary>
    /// Starts a block: whether it speculates (the monitor's choice, the workers, its size). One that
    /// does is then <see cref="Prepare"/>d and run by the workers; one that does not runs elsewhere
    /// in order and reports here through <see cref="FinishInOrder"/>.
    /// </summary>
    public bool StartBlock(Block block, ExecutionOptions options)
    {
        int n = block.Transactions.Count;
        // False when earlier blocks lost to speculation: this one runs in order on one worker.
        bool speculateThisBlock = _speculation.StartBlock(options.Speculation);
        _speculate = _workers > 1 && n > 1 && speculateThisBlock;
        return _speculate;
    }

    /// <summary>
    /// Ends a block that <see cref="StartBlock"/> did not speculate on, run in order elsewhere from
    /// <paramref name="runTimestamp"/> (the parallel executor's call began at <paramref name="startedTimestamp"/>):
    /// what it teaches the monitor (the in-order cost). Returns the stats the block reports as the
    /// parallel executor's (the monitor's fallback counted).
    /// </summary>
    public BlockExecutionStats FinishInOrder(string executorName, BlockExecutionStats inOrder, long startedTimestamp, long runTimestamp)
    {
        Debug.Assert(!_speculate);
        // Up to where the in-order run stopped its clock: before collecting its result, as a
        // speculating block's time stops before its own (see Finish). Timing one block with its
        // collection against the other without would flatter speculation by the collection's cost.
        var elapsed = Stopwatch.GetElapsedTime(startedTimestamp, runTimestamp) + inOrder.Elapsed;
        // Only a block that could have speculated teaches the monitor anything.
        if (_workers > 1 && inOrder.Transactions > 1)
            _speculation.EndBlock(inOrder.Transactions, (long)(elapsed.TotalSeconds * Stopwatch.Frequency));
        return inOrder with
        {
            Executor = executorName,
            Workers = _workers,
            SequentialFallbacks = _speculation.Fallbacks,
            Elapsed = elapsed,
        };
    }

    /// <summary>Sets up a block <see cref="StartBlock"/> chose to speculate on, for <see cref="Work"/>.</summary>
    public void Prepare(Block block, IStateReader state, ExecutionOptions options)
    {
        Debug.Assert(_speculate);
        _block = block;
        _txs = block.Transactions;
        int n = _count = _txs.Count;
        if (_status.Length < n)
        {
            _status = new int[n];
            _predecessor = new int[n];
        }
        else
        {
            Array.Clear(_status, 0, n);
        }
        if (_outputs.Length < n)
        {
            // Speculative outputs live until their commit: one per transaction, pooled across blocks.
            // An arena indexed by transaction, not an ObjectPool: a slot is ~5 ns against 12-16 ns a
            // rent and return of DefaultObjectPool (measured), and every output is needed at once.
            int old = _outputs.Length;
            Array.Resize(ref _outputs, n);
            for (int i = old; i < n; i++) _outputs[i] = new TxOutput();
        }
        _resultBuffers = options.ResultBuffers;
        _receipts = _resultBuffers?.RentReceipts(n) ?? new Receipt[n];
        _dependencies = options.RecordDependencies ? new List<(int, int)>() : null;
        _digests = options.RecordTransactionDigests ? new Hash256[n] : null;
        _recordTouchedKeys = options.RecordTouchedKeys;
        _versions.Reset(state, n * 4);
        _overlay.Reset(state, n * 4, _versions);
        _useHints = HintGraph.Build(_txs, _predecessor, _hintWriters);
        if (options.DependencyHints is { } edges) _useHints |= HintGraph.MergeEdges(edges, _predecessor, n);
        _stretchWrites.Clear();
        foreach (var prefetcher in _prefetchers) prefetcher.Reset();
        _inOrderToEnd = _callerWaiting = false;
        _nextSpeculative.Value = 0;
        _commitIndex.Value = 0;
        _commitLock.Value = 0;
        _aborted = false;
        _speculationAllowed.Set();
        // Transaction indexes start again in every block: a notice left by the last one must not stop this one's runs.
        for (int w = 0; w < _workers; w++) _running[w].Value = _takenOver[w].Value = -1;
        Array.Clear(_workerCounters);
        _reexecutions = _validationFailures = _committerExecutions = _speculativeCommits = _takeovers = _validationTicks = 0;
    }

    public BlockResult Finish(string executorName, long startedTimestamp)
    {
        // What a speculating block teaches the monitor: whether speculation paid.
        _speculation.EndBlock(_count, Stopwatch.GetTimestamp() - startedTimestamp);
        long speculativeRuns = 0, dependencyWaits = 0, speculativeFaults = 0;
        foreach (ref readonly var c in _workerCounters.AsSpan())
        {
            speculativeRuns += c.SpeculativeRuns;
            dependencyWaits += c.DependencyWaits;
            speculativeFaults += c.SpeculativeFaults;
        }
        var stats = new BlockExecutionStats
        {
            Executor = executorName,
            Workers = _workers,
            Transactions = _count,
            Executions = speculativeRuns + _committerExecutions,
            Reexecutions = _reexecutions,
            ValidationFailures = _validationFailures,
            DependencyWaits = dependencyWaits,
            SequentialFallbacks = _speculation.Fallbacks,
            MeasuringStretches = _speculation.MeasuringFallbacks,
            CommitterExecutions = _committerExecutions,
            SpeculativeCommits = _speculativeCommits,
            SpeculativeFaults = speculativeFaults,
            Takeovers = _takeovers,
            InOrderToEnd = _inOrderToEnd,
            ValidationTime = Stopwatch.GetElapsedTime(0, _validationTicks),
            Elapsed = Stopwatch.GetElapsedTime(startedTimestamp),
        };
        var result = _overlay.CollectResult(_receipts, _count, _resultBuffers, _recordTouchedKeys, _dependencies, stats);
        result.CreditCheckedKeys = _overlay.CollectCreditCheckedKeys();
        result.TransactionDigests = _digests;
        _resultBuffers = null;
        _receipts = [];
        _digests = null;
        _block = null!;
        _txs = null!;
        return result;
    }

    /// <summary>A worker's loop over a speculating block (see <see cref="StartBlock"/>).</summary>
    // Called once a block per worker, so tiering would reach optimized code only after ~60 blocks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Work(int worker)
    {
        Debug.Assert(_speculate);
        try
        {
            var context = _contexts[worker];
            ref var counters = ref _workerCounters[worker];
            var spin = new SpinWait();
            while (Volatile.Read(ref _commitIndex.Value) < _count && !_aborted)
            {
                if (_inOrderToEnd)
                {
                    if (worker != 0) return; // the caller's thread runs the rest
                    if (!_callerWaiting) _callerWaiting = true; // written once: the committer reads it per commit
                }

                // With nothing left to speculate for a while, the committer takes over the transaction
                // it would otherwise wait on (the block's last ones, or a run looping on a torn view).
                // The preferred committer commits first, the others only when they have nothing to
                // speculate (see PreferredCommitter).
                bool takeOver = spin.Count >= TakeOverAfterSpins;
                bool progressed = worker == PreferredCommitter
                    ? TryCommit(context, worker, takeOver) || TrySpeculate(context, worker, ref counters)
                    : TrySpeculate(context, worker, ref counters) || TryCommit(context, worker, takeOver);
                if (progressed)
                {
                    spin.Reset();
                    continue;
                }
                if (_speculation.Sequential)
                {
                    // Another worker runs a stretch in order: sleep until it resumes speculation or the
                    // block ends (the timeout only bounds a wake-up that raced with the pause).
                    _speculationAllowed.Wait(IdleWait);
                    spin.Reset();
                    continue;
                }
                spin.SpinOnce(sleep1Threshold: 40);
            }
        }
        catch
        {
            _aborted = true; // stop the other workers; the fault is rethrown to the caller
            _speculationAllowed.Set();
            throw;
        }
    }

    private bool TrySpeculate(TransactionContext context, int worker, ref WorkerCounters counters)
    {
        if (_speculation.Sequential) return false;
        while (true)
        {
            int i = Volatile.Read(ref _nextSpeculative.Value);
            int commit = Volatile.Read(ref _commitIndex.Value);
            if (i < commit)
            {
                Interlocked.CompareExchange(ref _nextSpeculative.Value, commit, i); // skip what is already final
                continue;
            }
            if (i >= _count || i >= commit + Lookahead) return false;
            if (Interlocked.CompareExchange(ref _nextSpeculative.Value, i + 1, i) != i) continue;

            if (_useHints)
            {
                int pred = _predecessor[i];
                if (pred >= 0 && !HasPublished(Volatile.Read(ref _status[pred])))
                {
                    counters.DependencyWaits++;
                    return true; // left Pending: the committer will run it in order
                }
            }
            // Named before the claim's CAS (a full fence): a committer that takes it over from
            // Executing then finds which worker to notify.
            _running[worker].Value = i;
            if (Interlocked.CompareExchange(ref _status[i], TxStatus.Executing, TxStatus.Pending) != TxStatus.Pending)
                return true;

            var output = _outputs[i];
            if (Trie.Prefetch.IsSupported) _prefetchers[worker].Advance(_versions, _txs, i, _workers);
            try
            {
                TransactionRunner.Run(_txs[i], context, _versions, _block.Header, i, output, _takenOver, worker);
            }
            catch (SpeculationAbandonedException)
            {
                return true; // the committer runs it in order: nothing of this run is kept
            }
            catch (EngineFaultException)
            {
                // A torn view may read what sequential execution never reads (a key whose read
                // fails, a deep path that runs out of stack): the output is unusable, not the block.
                // The committer runs it again in order, where a fault is real.
                output.DiscardWrites();
                output.Invalid = true;
                counters.SpeculativeFaults++;
            }
            // Publish only if the committer has not taken it over meanwhile (then the run counts as
            // a take-over, not an execution).
            if (Interlocked.CompareExchange(ref _status[i], TxStatus.Publishing, TxStatus.Executing) != TxStatus.Executing)
                return true;
            counters.SpeculativeRuns++;
            _versions.Publish(i, output);
            Volatile.Write(ref _status[i], TxStatus.Executed);
            return true;
        }
    }

    // Whether a predecessor's writes are visible to a speculative run now: its speculative output is
    // published, or it is final. (Taken over: the committer is running it and publishes on commit.)
    private static bool HasPublished(int status) => status is TxStatus.Executed or TxStatus.Committed;

    private bool TryCommit(TransactionContext context, int worker, bool takeOver)
    {
        // Test before test-and-set: a failing CAS would still take the line from the committer.
        if (Volatile.Read(ref _commitLock.Value) != 0 || Interlocked.CompareExchange(ref _commitLock.Value, 1, 0) != 0) return false;
        bool progressed = false;
        try
        {
            while (!_aborted)
            {
                // The rest of the block runs on the caller's thread, where blocks run wholly in order
                // run: its caches hold the state (on another worker the rest took ~25 % longer).
                if (_inOrderToEnd && worker != 0 && _callerWaiting) break;
                int i = _commitIndex.Value;
                if (i >= _count) break;
                int status = Volatile.Read(ref _status[i]);
                if (status == TxStatus.Publishing)
                {
                    // Its worker is publishing (no transaction code runs there): a few spins at most.
                    Thread.SpinWait(8);
                    continue;
                }
                bool speculated = status == TxStatus.Executed, failed = false;
                TxOutput committed;
                if (!speculated)
                {
                    // Pending, or still running on a worker: the committer never waits on a speculative
                    // run. During an in-order stretch, or once it has nothing else to do, it takes the
                    // transaction over and runs it itself; otherwise it goes to speculate meanwhile.
                    if (status == TxStatus.Executing && !takeOver && !_speculation.Sequential) break;
                    if (Interlocked.CompareExchange(ref _status[i], TxStatus.TakenOver, status) != status) continue;
                    if (status == TxStatus.Executing)
                    {
                        _takeovers++;
                        NotifyTakeOver(i);
                    }
                    takeOver = false;
                    committed = ExecuteAndCommitFinal(i, context);
                }
                else if (ValidateAndCommit(i, context))
                {
                    committed = _outputs[i];
                    _speculativeCommits++;
                }
                else
                {
                    // Its reads changed: withdraw its speculative writes and run it over the final prefix.
                    failed = true;
                    _validationFailures++;
                    _reexecutions++;
                    _versions.Unpublish(i, _outputs[i]);
                    committed = ExecuteAndCommitFinal(i, context);
                }
                _receipts[i] = committed.ToReceipt(i);
                Volatile.Write(ref _status[i], TxStatus.Committed);
                Volatile.Write(ref _commitIndex.Value, i + 1);
                progressed = true;
                // Recorded even in a stretch that outlasts the block: the monitor learns the
                // in-order cost and judges the block from it.
                bool wasSequential = _speculation.Sequential;
                if (_speculation.Record(failed, speculated))
                {
                    if (!_inOrderToEnd) ResumeSpeculation(i + 1);
                }
                else if (!wasSequential) PauseSpeculationIfNeeded(i + 1);
            }
        }
        finally
        {
            Volatile.Write(ref _commitLock.Value, 0);
            if (_commitIndex.Value >= _count) _speculationAllowed.Set(); // the block is done: wake sleepers
        }
        return progressed;
    }

    // Tells the worker running transaction i speculatively that the committer has taken it over: its
    // run stops at its next state access or gas charge (it would be dropped unpublished anyway).
    private void NotifyTakeOver(int i)
    {
        for (int w = 0; w < _workers; w++)
            if (Volatile.Read(ref _running[w].Value) == i) Volatile.Write(ref _takenOver[w].Value, i);
    }

    // The serial path proper: validate transaction i's speculative output against the committed
    // prefix and apply it (timed: two timestamps, ~20 ns, against a commit of ~0.5 µs or more).
    private bool ValidateAndCommit(int i, TransactionContext context)
    {
        // The next outputs' lines start loading while this one is checked (only finished ones: a
        // running transaction's lines would be pulled away from the worker writing them).
        TxOutput.PrefetchForCommit(Finished(i + 1), Finished(i + 2));
        long start = Stopwatch.GetTimestamp();
        bool valid = BlockCommit.Commit(_txs[i], i, _outputs[i], _overlay, context, _block.Header, _dependencies, _digests, validate: true);
        _validationTicks += Stopwatch.GetTimestamp() - start;
        return valid;
    }

    private TxOutput? Finished(int i) => i < _count && Volatile.Read(ref _status[i]) == TxStatus.Executed ? _outputs[i] : null;

    // Runs transaction i over the committed prefix and commits it: its result is final, no
    // validation needed. Later speculation must see its writes; while speculation is paused they
    // are not published: the overlay remembers what was written and the values go out if
    // speculation resumes (the last stretch of a contended block usually runs to its end).
    private TxOutput ExecuteAndCommitFinal(int i, TransactionContext context)
    {
        var output = _committerOutput;
        TransactionRunner.Run(_txs[i], context, _overlay, _block.Header, i, output);
        _committerExecutions++;
        BlockCommit.Commit(_txs[i], i, output, _overlay, context, _block.Header, _dependencies, _digests);
        // After the commit: a credit that overflowed has turned the output into its failure path.
        if (!_speculation.Sequential) _versions.Publish(i, output, committed: true);
        return output;
    }

    private void PauseSpeculationIfNeeded(int next)
    {
        if (!_speculation.Sequential) return;
        if (_speculation.StretchRemaining >= _count - next)
        {
            // The stretch outlasts the block: the rest runs as a block run wholly in order does
            // (entries by key, nothing published, no stretch left to end). A probing block that
            // loses then costs its speculative windows, not a slower rest of the block. The event
            // stays set: the caller's thread comes to take the rest, the other workers leave.
            _inOrderToEnd = true;
            _overlay.StopUsingKeyIds();
            return;
        }
        _speculationAllowed.Reset();
        _overlay.RecordWrittenEntries(_stretchWrites);
    }

    // Publishes the committed values of what the stretch wrote (final: every reader is beyond it).
    private void ResumeSpeculation(int next)
    {
        _overlay.RecordWrittenEntries(null);
        foreach (int slot in _stretchWrites)
        {
            var (key, value, writer) = _overlay.EntryAt(slot);
            _versions.Publish(writer, key, value, isDelta: false);
        }
        _stretchWrites.Clear();
        InterlockedMax(ref _nextSpeculative.Value, next);
        _speculation.Resume();
        _speculationAllowed.Set();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current = Volatile.Read(ref target);
        while (current < value)
        {
            int seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}
