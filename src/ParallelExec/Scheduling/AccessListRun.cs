using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Scheduling;

/// <summary>
/// The parallel executor's path for a block that comes with an EIP-7928 access list: every
/// transaction runs once, all at once, over the block's starting state plus the list's post-values of
/// lower indexes (<see cref="AccessListView"/>) — no speculation, no re-execution, no validation walk —
/// and each transaction's actual accesses are checked against the list by the worker that ran it
/// (<see cref="AccessListCheck"/>). When every check passes, the list is exactly the block's, so each
/// transaction saw what sequential execution would have shown it and the outputs are final; one pass
/// then lays them out in the result's first-touch order. A wrong list makes the block invalid (strict)
/// or is dropped for the ordinary path (lenient): its cost is bounded by one execution of every
/// transaction plus the list's size. State is reused across blocks; one block at a time.
/// </summary>
internal sealed class AccessListRun
{
    private readonly AccessListView _view = new();
    private readonly TransactionContext[] _contexts;
    private readonly Action<int> _work;
    private TxOutput[] _outputs = [];
    private string?[] _problems = [];
    private EngineFaultException?[] _faults = [];
    private byte[] _accountTouched = [], _readTouched = [];
    private Block _block = null!;
    private int _next;

    // The result's layout: every touched key in first-touch order, its value and last writer.
    private readonly Dictionary<StateKey, int> _slots = new();
    private StateKey[] _keys = new StateKey[256];
    private UInt256[] _values = new UInt256[256];
    private int[] _lastWriter = new int[256];

    public AccessListRun(int workers)
    {
        _contexts = new TransactionContext[workers];
        for (int w = 0; w < workers; w++) _contexts[w] = new TransactionContext();
        _work = Work;
    }

    /// <summary>
    /// Executes <paramref name="block"/> with its access list. Returns null when the list is wrong and
    /// <see cref="AccessListMode.Lenient"/> (<paramref name="problem"/> says why); throws
    /// <see cref="BlockAccessListException"/> when it is wrong and strict.
    /// An engine fault fails the block only when it is sequential execution's own (see <see cref="Run"/>).
    /// </summary>
    public BlockResult? TryExecute(Block block, IStateReader state, ExecutionOptions options, AccessListInput input, WorkerGroup group,
        long started, out string? problem)
    {
        problem = Run(block, state, input, group);
        if (problem is not null)
        {
            if (input.Mode == AccessListMode.Strict) throw new BlockAccessListException($"block {block.Header.Number}: {problem}");
            return null;
        }
        var result = Assemble(options.RecordDependencies, group.Count, started);
        if (options.RecordAccessList) result.AccessList = _view.List;
        return result;
    }

    // Null when the list agrees with the block, else the first disagreement (lowest transaction first).
    // A wrong list can show a transaction a view sequential execution never shows it, so a fault
    // proves nothing by itself. But when every transaction below the lowest faulting one passed its
    // check, their listed changes are exactly what they did, the faulting one saw sequential's view,
    // and the fault is sequential's own: it fails the block, list or no list.
    private string? Run(Block block, IStateReader state, AccessListInput input, WorkerGroup group)
    {
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
        if (_outputs.Length < n)
        {
            int grown = _outputs.Length;
            Array.Resize(ref _outputs, Math.Max(n, grown * 2));
            for (int i = grown; i < _outputs.Length; i++) _outputs[i] = new TxOutput();
            _problems = new string?[_outputs.Length];
            _faults = new EngineFaultException?[_outputs.Length];
        }
        Array.Clear(_problems, 0, n);
        Array.Clear(_faults, 0, n);
        _accountTouched = Cleared(_accountTouched, _view.List.Accounts.Count);
        _readTouched = Cleared(_readTouched, _view.ReadCount);
        _next = -1;
        group.Run(_work);
        for (int i = 0; i < n; i++)
        {
            if (_faults[i] is { } fault) ExceptionDispatchInfo.Throw(fault);
            if (_problems[i] is { } problem) return problem;
        }
        return AccessListCheck.FindUntouched(_view, _accountTouched, _readTouched);
    }

    private static byte[] Cleared(byte[] array, int length)
    {
        if (array.Length < length) return new byte[length];
        Array.Clear(array, 0, length);
        return array;
    }

    // Each worker takes the next transaction, runs it over the view and checks it against the list.
    private void Work(int worker)
    {
        var context = _contexts[worker];
        var txs = _block.Transactions;
        var header = _block.Header;
        for (int i = Interlocked.Increment(ref _next); i < txs.Count; i = Interlocked.Increment(ref _next))
        {
            var output = _outputs[i];
            try
            {
                TransactionRunner.Run(txs[i], context, _view, header, i, output);
                ResolveCredits(txs[i], i, output, context, header);
            }
            catch (EngineFaultException e)
            {
                _faults[i] = e;
                continue;
            }
            _problems[i] = AccessListCheck.Check(output, i, _view, _accountTouched, _readTouched);
        }
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
            _view.TryRead(write.Key, i, out var before, out _);
            if (!UInt256.TryAdd(before, write.Value, out var sum)) return false;
            write.Value = sum;
            write.IsDelta = false;
        }
        return true;
    }

    // The checked outputs in block order, laid out as the block overlay lays out committed ones:
    // keys in first-touch order (reads before writes within a transaction), last writer, final value.
    private BlockResult Assemble(bool recordDependencies, int workers, long started)
    {
        int n = _block.Transactions.Count;
        var receipts = new Receipt[n];
        var dependencies = recordDependencies ? new List<(int, int)>() : null;
        _slots.Clear();
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            var output = _outputs[i];
            receipts[i] = output.ToReceipt(i);
            foreach (ref readonly var read in output.Reads)
            {
                ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, read.Key, out bool exists);
                if (exists)
                {
                    if (dependencies is not null && _lastWriter[slot] >= 0) dependencies.Add((_lastWriter[slot], i));
                    continue;
                }
                slot = Append(ref count, read.Key, read.Value, -1);
            }
            foreach (ref readonly var write in output.Writes)
            {
                ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, write.Key, out bool exists);
                if (!exists) slot = Append(ref count, write.Key, write.Value, i);
                _values[slot] = write.Value;
                _lastWriter[slot] = i;
            }
        }
        int written = 0;
        for (int k = 0; k < count; k++) if (_lastWriter[k] >= 0) written++;
        var changes = new StateChange[written];
        var touched = new StateKey[count];
        for (int k = 0, c = 0; k < count; k++)
        {
            touched[k] = _keys[k];
            if (_lastWriter[k] >= 0) changes[c++] = new StateChange(_keys[k], _values[k]);
        }
        var stats = new BlockExecutionStats
        {
            Executor = "parallel", Workers = workers, Transactions = n, Executions = n,
            Elapsed = Stopwatch.GetElapsedTime(started), AccessList = AccessListOutcome.Used,
        };
        return new BlockResult(receipts, changes, touched, dependencies, stats);
    }

    private int Append(ref int count, in StateKey key, in UInt256 value, int writer)
    {
        if (count == _keys.Length)
        {
            Array.Resize(ref _keys, count * 2);
            Array.Resize(ref _values, count * 2);
            Array.Resize(ref _lastWriter, count * 2);
        }
        _keys[count] = key;
        _values[count] = value;
        _lastWriter[count] = writer;
        return count++;
    }
}
