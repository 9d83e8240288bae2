using ParallelExec.Scheduling;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// The engine's <see cref="ITransactionContext"/>: serves reads from the transaction's own writes,
/// then its read set (repeatable reads), then the view; records every first read and every write
/// into a <see cref="TxOutput"/>. One instance per worker, re-aimed at each transaction.
/// </summary>
internal sealed class TransactionContext : ITransactionContext
{
    private IStateView _view = null!;
    private TxOutput _output = null!;
    private int _accesses;
    // A speculative run watches its worker's take-over notice: once it names the transaction, the
    // committer has taken it over (and may have committed it already) and the run stops at its next
    // state access or gas charge. The notice is a cache line of the worker's own that only a take-over
    // writes; the block's status array, which every claim and commit writes, made that check a cache
    // miss every few accesses.
    private PaddedInt[]? _takeOvers;
    private int _worker;

    public BlockHeader Block { get; private set; } = null!;
    public int TransactionIndex { get; private set; }
    public ulong GasLimit { get; private set; }
    public ulong GasUsed => _output.GasUsed;

    public void Start(IStateView view, BlockHeader block, int txIndex, ulong gasLimit, TxOutput output, PaddedInt[]? takeOvers = null, int worker = 0)
    {
        _takeOvers = takeOvers;
        _worker = worker;
        _view = view;
        Block = block;
        TransactionIndex = txIndex;
        GasLimit = gasLimit;
        _output = output;
        _accesses = 0;
    }

    /// <summary>A fresh access budget for the failure path.</summary>
    public void ResetAccessBudget() => _accesses = 0;

    public UInt256 Read(in StateKey key)
    {
        Step();
        int w = _output.FindWrite(key);
        if (w < 0) return ReadThrough(key);
        ref var write = ref _output.WriteAt(w);
        if (!write.IsDelta) return write.Value;
        // Reading a key this transaction has credited: the credit resolves against the real value.
        var current = ReadThrough(key);
        return UInt256.TryAdd(current, write.Value, out var sum)
            ? sum
            : throw new TransactionFailedException(FailureReason.Overflow, $"credit to {key} overflows");
    }

    public void Write(in StateKey key, in UInt256 value)
    {
        Step();
        int w = _output.FindWrite(key);
        if (w < 0)
        {
            _output.AddWrite(key, value, isDelta: false);
            return;
        }
        ref var write = ref _output.WriteAt(w);
        write.Value = value;
        write.IsDelta = false;
    }

    public void Add(in StateKey key, in UInt256 amount)
    {
        Step();
        int w = _output.FindWrite(key);
        if (w < 0)
        {
            _output.AddWrite(key, amount, isDelta: true);
            return;
        }
        ref var write = ref _output.WriteAt(w);
        if (!UInt256.TryAdd(write.Value, amount, out var sum))
            throw new TransactionFailedException(FailureReason.Overflow, $"credit to {key} overflows");
        write.Value = sum;
    }

    public void UseGas(ulong amount)
    {
        ThrowIfAbandoned();
        ulong used = _output.GasUsed;
        if (amount > GasLimit - used)
        {
            _output.GasUsed = GasLimit;
            throw new TransactionFailedException(FailureReason.OutOfGas, $"gas limit {GasLimit} exceeded");
        }
        _output.GasUsed = used + amount;
    }

    private UInt256 ReadThrough(in StateKey key)
    {
        int r = _output.FindRead(key);
        if (r >= 0) return _output.ReadAt(r).Value;
        bool resolved;
        UInt256 value;
        int source, slot;
        try
        {
            resolved = _view.TryRead(key, TransactionIndex, out value, out source, out slot);
        }
        catch (Exception e) when (e is not EngineFaultException)
        {
            throw new EngineFaultException($"state read of {key} for transaction {TransactionIndex} failed: {e.Message}", e) { TransactionIndex = TransactionIndex };
        }
        if (!resolved)
        {
            _output.Invalid = true;
            throw new TransactionFailedException(FailureReason.Overflow, $"credits to {key} overflow");
        }
        _output.AddRead(key, value, source, slot);
        return value;
    }

    private void Step()
    {
        ThrowIfAbandoned();
        if (++_accesses > ExecutionLimits.MaxStateAccesses)
            throw new TransactionFailedException(FailureReason.StepLimit, $"more than {ExecutionLimits.MaxStateAccesses} state accesses");
    }

    private void ThrowIfAbandoned()
    {
        if (_takeOvers is { } takeOvers && Volatile.Read(ref takeOvers[_worker].Value) == TransactionIndex)
            throw SpeculationAbandonedException.Instance;
    }
}
