using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Scheduling;

/// <summary>
/// The parallel executor's path for a block that comes with an EIP-7928 access list: every
/// transaction runs once, all at once, over the block's starting state plus the list's post-values of
/// lower indexes (<see cref="AccessListView"/>) — no speculation, no re-execution, no validation walk —
/// and each transaction's actual accesses are checked against the list by the worker that ran it
/// (<see cref="AccessListCheck"/>). When every check passes, the list is exactly the block's, so each
/// transaction saw what sequential execution would have shown it and the outputs are final. Nearly all
/// of it runs on every worker: the view is filled in units of about a thousand keys and its key table
/// put together by partitions; each
/// worker makes the receipts of the transactions it ran and marks what they touched in arrays of its
/// own (<see cref="AccessListMarks"/>, merged in parallel ranges), and the result is laid out from the
/// marks: a sort over the named keys, then a gather on every worker — not a pass over the outputs,
/// which is what a serial commit walk costs (only a recorded dependency graph still needs that pass).
/// A wrong list makes the block invalid (strict) or is dropped for the ordinary path (lenient): its
/// cost is bounded by one execution of every transaction plus the list's size. State is reused across
/// blocks; one block at a time.
/// </summary>
internal sealed class AccessListRun
{
    // Named keys per batched read of starting values (RocksDB: one MultiGet).
    private const int PrefetchChunk = 1024;

    private readonly AccessListView _view = new();
    private readonly AccessListMarks _marks;
    private readonly TransactionContext[] _contexts;
    private readonly ViewPrefetcher[] _prefetchers;
    // Each worker's output, reused for every transaction it runs: once checked, an output is not
    // needed again (unless a dependency graph is asked for: then each transaction keeps its own).
    private readonly TxOutput[] _workerOutputs;
    private bool _keepOutputs;
    private readonly StateKey[][] _prefetchNames;
    private readonly int[][] _prefetchPositions;
    private readonly UInt256[][] _prefetchValues;
    private readonly bool[][] _prefetchFound;
    private readonly Action<int> _work, _fill, _insert, _gather, _merge;
    // Each worker's key-table entries by partition, collected in the fill and inserted after it.
    private readonly KeyBuckets[] _keyBuckets;
    private RangeClaims _partitionClaims;
    private readonly int[] _duplicates = new int[NamedKeyTable.Partitions];
    private Exception? _fillFault;
    private string?[] _fillProblems = [];
    private RangeClaims _fillChunks;
    private int _chunk;
    private Receipt[] _receipts = [];
    private TxOutput[] _outputs = [];
    private string?[] _problems = [];
    // Per transaction, the listed changes its check found it made; their sum, added up per worker.
    private int[] _changed = [];
    private long _changesMade;
    private EngineFaultException?[] _faults = [];
    // Per transaction, a fault while its check read a starting value the transaction itself did not
    // read (a written account field the list leaves unchanged): sequential execution would not read it.
    private EngineFaultException?[] _checkFaults = [];
    private Block _block = null!;
    private int _next;

    // The result's layout from the marks (LayOut), and the last writer per named key (Dependencies).
    private int[] _bucketEnds = [];
    private int[] _lastWriter = [];
    private int[] _order = [];
    private long[] _orderKeys = [];
    // The layout's gather: ranges of the order, each with the written keys before it.
    private const int GatherRange = 2048;
    private const int GatherAhead = 16;
    private int[] _writtenBefore = [];
    private RangeClaims _gatherRanges;
    private int _touchedCount;
    private StateKey[] _touched = [];
    private StateChange[] _changes = [];

    public AccessListRun(int workers)
    {
        _marks = new AccessListMarks(workers);
        _contexts = new TransactionContext[workers];
        _prefetchers = new ViewPrefetcher[workers];
        _workerOutputs = new TxOutput[workers];
        _prefetchNames = new StateKey[workers][];
        _prefetchPositions = new int[workers][];
        _prefetchValues = new UInt256[workers][];
        _prefetchFound = new bool[workers][];
        _keyBuckets = new KeyBuckets[workers];
        for (int w = 0; w < workers; w++)
        {
            _keyBuckets[w] = new KeyBuckets();
            _contexts[w] = new TransactionContext();
            _prefetchers[w] = new ViewPrefetcher();
            _workerOutputs[w] = new TxOutput();
            _prefetchNames[w] = new StateKey[PrefetchChunk];
            _prefetchPositions[w] = new int[PrefetchChunk];
            _prefetchValues[w] = new UInt256[PrefetchChunk];
            _prefetchFound[w] = new bool[PrefetchChunk];
        }
        _work = Work;
        _fill = Fill;
        _insert = Insert;
        _gather = Gather;
        _merge = _marks.Merge;
    }

    /// <summary>
    /// Executes <paramref name="block"/> with its access list. Returns null when the list is wrong and
    /// <see cref="AccessListMode.Lenient"/> (<paramref name="problem"/> says why); throws
    /// <see cref="BlockAccessListException"/> when it is wrong and strict.
    /// An engine fault fails the block only when it is sequential execution's own (see <see cref="Run"/>).
    /// <paramref name="unproven"/>: reading the starting value of a key the list names failed where no
    /// transaction had read it (the fill's reads of the keys it changes or reads, or a check's read of a
    /// written account field it leaves unchanged); a wrong list can name keys sequential execution
    /// never reads, so null is returned in either mode and the caller runs the ordinary path, which
    /// faults only where sequential execution does (and, strict, checks the list against the one it
    /// records).
    /// </summary>
    public BlockResult? TryExecute(Block block, IStateReader state, ExecutionOptions options, AccessListInput input, WorkerGroup group,
        long started, out string? problem, out bool unproven)
    {
        _keepOutputs = options.RecordDependencies;
        problem = Run(block, state, input, group, out unproven);
        if (problem is not null)
        {
            if (input.Mode == AccessListMode.Strict && !unproven) throw new BlockAccessListException($"block {block.Header.Number}: {problem}");
            return null;
        }
        var result = LayOut(group, started, options.RecordDependencies ? Dependencies() : null, options.RecordTouchedKeys);
        if (options.RecordAccessList) result.AccessList = _view.List;
        return result;
    }

    // Null when the list agrees with the block, else the first disagreement (lowest transaction first).
    // A wrong list can show a transaction a view sequential execution never shows it, so a fault
    // proves nothing by itself. But when every transaction below the lowest faulting one passed its
    // check, their listed changes are exactly what they did, the faulting one saw sequential's view,
    // and the fault is sequential's own: it fails the block, list or no list.
    private string? Run(Block block, IStateReader state, AccessListInput input, WorkerGroup group, out bool unproven)
    {
        unproven = false;
        int n = block.Transactions.Count;
        if (n >= ushort.MaxValue) return $"a block of {n} transactions cannot have an access list (EIP-7928 indexes are 16-bit)";
        try
        {
            _view.Reset(input.Resolve(), state, n);
        }
        catch (BlockAccessListException e)
        {
            return e.Message;
        }
        _block = block;
        if (_problems.Length < n)
        {
            int length = Math.Max(n, _problems.Length * 2);
            _problems = new string?[length];
            _changed = new int[length];
            _faults = new EngineFaultException?[length];
            _checkFaults = new EngineFaultException?[length];
        }
        if (_keepOutputs && _outputs.Length < n)
        {
            int grown = _outputs.Length;
            Array.Resize(ref _outputs, Math.Max(n, grown * 2));
            for (int i = grown; i < _outputs.Length; i++) _outputs[i] = new TxOutput();
        }
        Array.Clear(_problems, 0, n);
        Array.Clear(_faults, 0, n);
        Array.Clear(_checkFaults, 0, n);
        _receipts = new Receipt[n];

        // The view's keys, changes, key table and starting values, built by all workers at once.
        int chunks = _view.FillUnitCount;
        if (_fillProblems.Length < chunks) _fillProblems = new string?[Math.Max(chunks, _fillProblems.Length * 2)];
        Array.Clear(_fillProblems, 0, chunks);
        _fillChunks.Reset();
        _fillFault = null;
        foreach (var buckets in _keyBuckets) buckets.Clear();
        group.Run(_fill);
        if (_fillFault is { } failed)
        {
            unproven = true;
            return $"reading the starting values of the {_view.NamedCount} keys the list names failed: {failed.Message}";
        }
        for (int c = 0; c < chunks; c++)
            if (_fillProblems[c] is { } wrong) return wrong;
        _view.ReserveKeyTable(_keyBuckets);
        _partitionClaims.Reset();
        group.Run(_insert);
        int duplicate = -1;
        foreach (int d in _duplicates)
            if (d >= 0 && (duplicate < 0 || d < duplicate)) duplicate = d;
        if (duplicate >= 0) return $"{_view.Name(duplicate)} is named twice";
        _marks.Reset(_view.NamedCount);

        // Workers claim runs of consecutive transactions: one shared counter update per run, and the
        // per-transaction slots they fill (outputs, receipts) are not written by two cores at once.
        _next = 0;
        _changesMade = 0;
        _chunk = Math.Clamp(n / (group.Count * 16), 1, 32);
        group.Run(_work);
        group.Run(_merge);
        // Each change a check counted is a distinct listed one, so the list makes no change the
        // transactions did not exactly when the counts add up to all of its changes; only when they
        // do not are the list's changes counted per index to find the transaction.
        int[]? listed = _changesMade == _view.ChangeCount ? null : _view.CountChangesAtIndexes();
        for (int i = 0; i < n; i++)
        {
            if (_faults[i] is { } fault) ExceptionDispatchInfo.Throw(fault);
            if (_checkFaults[i] is { } unread)
            {
                unproven = true;
                return $"transaction {i}: reading the starting value of a key it wrote failed: {unread.Message}";
            }
            if (_problems[i] is { } problem) return problem;
            if (listed is not null && _changed[i] != listed[i + 1]) return AccessListCheck.DescribeMissingChange(OutputOf(i), i, _view);
        }
        return AccessListCheck.FindUntouched(_view, _marks);
    }

    // Each worker fills the view for the next unit (a run of accounts, or a piece of a large one).
    // Called once a block per worker, so tiering would reach optimized code only after ~60 blocks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Fill(int worker)
    {
        while (_fillChunks.TryClaim(_view.FillUnitCount, 1, out int chunk, out _, out _))
        {
            try
            {
                _fillProblems[chunk] = _view.Fill(chunk, _keyBuckets[worker], _prefetchNames[worker], _prefetchPositions[worker], _prefetchValues[worker], _prefetchFound[worker]);
            }
            catch (Exception e) when (!EnvironmentFault.Is(e))
            {
                Interlocked.CompareExchange(ref _fillFault, e, null);
                return;
            }
        }
    }

    // Each worker puts the next partitions of the key table together.
    // Called once a block per worker, so tiering would reach optimized code only after ~60 blocks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Insert(int worker)
    {
        while (_partitionClaims.TryClaim(NamedKeyTable.Partitions, 1, out int partition, out _, out _))
            _duplicates[partition] = _view.InsertPartition(partition, _keyBuckets);
    }

    // Each worker takes the next transaction, runs it over the view and checks it against the list.
    // Called once a block per worker, so tiering would reach optimized code only after ~60 blocks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Work(int worker)
    {
        var context = _contexts[worker];
        var marks = _marks.Begin(worker);
        var prefetcher = Prefetch.IsSupported ? _prefetchers[worker] : null;
        var txs = _block.Transactions;
        int n = txs.Count, chunk = _chunk;
        long changesMade = 0;
        for (int first = Interlocked.Add(ref _next, chunk) - chunk; first < n; first = Interlocked.Add(ref _next, chunk) - chunk)
        {
            int end = Math.Min(first + chunk, n);
            prefetcher?.Begin(_view, marks, txs, first, end);
            for (int i = first; i < end; i++)
            {
                prefetcher?.Advance(i);
                var output = _keepOutputs ? _outputs[i] : _workerOutputs[worker];
                try
                {
                    Execute(i, context, output);
                }
                catch (EngineFaultException e)
                {
                    _faults[i] = e;
                    _changed[i] = 0;
                    continue;
                }
                int changed;
                try
                {
                    if (AccessListCheck.Check(output, i, _view, marks, out changed) is { } problem) _problems[i] = problem;
                }
                catch (EngineFaultException e)
                {
                    _checkFaults[i] = e;
                    changed = 0;
                }
                _changed[i] = changed;
                changesMade += changed;
                _receipts[i] = output.ToReceipt(i);
            }
        }
        Interlocked.Add(ref _changesMade, changesMade);
    }

    // Runs transaction i over the view; its credits become absolute post-values.
    private void Execute(int i, TransactionContext context, TxOutput output)
    {
        var tx = _block.Transactions[i];
        TransactionRunner.Run(tx, context, _view, _block.Header, i, output);
        ResolveCredits(tx, i, output, context, _block.Header);
    }

    // Transaction i's output, after every transaction ran and passed its check: the kept one, or
    // (outputs not kept) the same output made again — the view is read-only and execution
    // deterministic. Only a wrong list's message needs it.
    private TxOutput OutputOf(int i)
    {
        if (_keepOutputs) return _outputs[i];
        Execute(i, _contexts[0], _workerOutputs[0]);
        return _workerOutputs[0];
    }

    // Credits become absolute post-values over the value before the transaction; one that would pass
    // 2^256 sends the transaction down its failure path, exactly as BlockCommit does.
    private void ResolveCredits(ITransaction tx, int i, TxOutput output, TransactionContext context, BlockHeader header)
    {
        if (TryResolve(output, i)) return;
        context.Start(_view, header, i, tx.GasLimit, output);
        TransactionRunner.RunFailurePath(tx, context, output, ExecutionOutcome.Fail(FailureReason.Overflow, "a credit would pass 2^256"));
        if (!TryResolve(output, i)) output.DiscardWrites();
    }

    private bool TryResolve(TxOutput output, int i)
    {
        for (int w = 0; w < output.WriteCount; w++)
        {
            ref var write = ref output.WriteAt(w);
            if (!write.IsDelta) continue;
            _view.TryRead(write.Key, i, out var before, out _, out int position);
            if (!UInt256.TryAdd(before, write.Value, out var sum)) return false;
            write.Value = sum;
            write.IsDelta = false;
            write.Slot = position; // so the check need not look the key up again
        }
        return true;
    }

    // The result from the marks: the touched named keys in first-touch order (a counting sort by the
    // transaction that first touched each, then by position within it), the written ones with the
    // value the block leaves them at. Equal to what the block overlay lays out from committed outputs.
    // The sort runs over arrays in order; the gather of names and values (entries in list order read
    // in first-touch order, and megabytes of result written) is split between the workers.
    private BlockResult LayOut(WorkerGroup group, long started, List<(int From, int To)>? dependencies, bool recordTouchedKeys)
    {
        int n = _block.Transactions.Count, named = _view.NamedCount;
        long[] first = _marks.FirstTouch;
        byte[] written = _marks.Written;
        if (_bucketEnds.Length < n + 1) _bucketEnds = new int[Math.Max(n + 1, _bucketEnds.Length * 2)];
        Array.Clear(_bucketEnds, 0, n + 1);
        int touchedCount = 0;
        for (int k = 0; k < named; k++)
        {
            if (first[k] == AccessListMarks.Untouched) continue;
            _bucketEnds[(int)(first[k] >> 32) + 1]++;
            touchedCount++;
        }
        for (int t = 1; t <= n; t++) _bucketEnds[t] += _bucketEnds[t - 1]; // now each transaction's bucket start
        if (_order.Length < touchedCount)
        {
            _order = new int[Math.Max(touchedCount, _order.Length * 2)];
            _orderKeys = new long[_order.Length];
        }
        for (int k = 0; k < named; k++)
        {
            if (first[k] == AccessListMarks.Untouched) continue;
            int at = _bucketEnds[(int)(first[k] >> 32)]++; // now each bucket's end
            _order[at] = k;
            _orderKeys[at] = first[k];
        }
        for (int t = 0, start = 0; t < n; start = _bucketEnds[t++])
            if (_bucketEnds[t] - start > 1) Array.Sort(_orderKeys, _order, start, _bucketEnds[t] - start);

        int ranges = (touchedCount + GatherRange - 1) / GatherRange;
        if (_writtenBefore.Length < ranges + 1) _writtenBefore = new int[Math.Max(ranges + 1, _writtenBefore.Length * 2)];
        int writtenCount = 0;
        for (int o = 0; o < touchedCount; o++)
        {
            if (o % GatherRange == 0) _writtenBefore[o / GatherRange] = writtenCount;
            writtenCount += written[_order[o]];
        }
        // Every element is written by the gather: no need for the runtime to clear megabytes first.
        _touched = recordTouchedKeys ? GC.AllocateUninitializedArray<StateKey>(touchedCount) : [];
        _changes = GC.AllocateUninitializedArray<StateChange>(writtenCount);
        _touchedCount = touchedCount;
        _gatherRanges.Reset();
        group.Run(_gather);
        var result = new BlockResult(_receipts, _changes, _touched, dependencies, ListStats(n, group.Count, started));
        _receipts = [];
        _touched = [];
        _changes = [];
        return result;
    }

    // Each worker fills the next range of the result's keys and changes.
    // Called once a block per worker, so tiering would reach optimized code only after ~60 blocks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gather(int worker)
    {
        byte[] written = _marks.Written;
        bool touched = _touched.Length > 0;
        while (_gatherRanges.TryClaim(_touchedCount, GatherRange, out int range, out int start, out int end))
        {
            int c = _writtenBefore[range];
            for (int o = start; o < end; o++)
            {
                // The order visits entries far apart in the view: their lines (and then each one's
                // final change) are loaded a few keys ahead, so the misses overlap.
                if (o + GatherAhead < end) _view.PrefetchEntry(_order[o + GatherAhead]);
                if (o + GatherAhead / 2 < end) _view.PrefetchFinalValue(_order[o + GatherAhead / 2]);
                int k = _order[o];
                ref readonly var entry = ref _view.EntryAt(k);
                if (touched) _touched[o] = entry.Name;
                if (written[k] != 0) _changes[c++] = new StateChange(entry.Name, _view.FinalValue(k));
            }
        }
    }

    private static BlockExecutionStats ListStats(int n, int workers, long started) => new()
    {
        Executor = "parallel", Workers = workers, Transactions = n, Executions = n,
        Elapsed = Stopwatch.GetElapsedTime(started), AccessList = AccessListOutcome.Used,
    };

    // The writer → reader edges, as the block overlay records them on commit: each read depends on
    // the last earlier transaction that wrote its key. One serial pass over every output, so only
    // when a dependency graph is asked for.
    private List<(int From, int To)> Dependencies()
    {
        int n = _block.Transactions.Count, named = _view.NamedCount;
        var dependencies = new List<(int From, int To)>();
        if (_lastWriter.Length < named) _lastWriter = new int[Math.Max(named, _lastWriter.Length * 2)];
        Array.Fill(_lastWriter, -1, 0, named);
        for (int i = 0; i < n; i++)
        {
            var output = _outputs[i];
            // Every key is named: the checks passed (a read keeps its key's position).
            foreach (ref readonly var read in output.Reads)
                if (_lastWriter[read.Slot] is >= 0 and var writer) dependencies.Add((writer, i));
            foreach (ref readonly var write in output.Writes) _lastWriter[_view.Position(write.Key)] = i;
        }
        return dependencies;
    }
}
