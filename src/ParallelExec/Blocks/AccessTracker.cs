using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// Runs a block's transactions in order over a private overlay to learn which keys each one reads,
/// writes and credits (the engine reports dependency edges, not keys). An analysis aid only: its
/// state never leaves it and nothing it computes is used for execution.
/// </summary>
public sealed class AccessTracker
{
    private readonly Dictionary<StateKey, (int Txs, int Readers, int Writers, int Crediters)> _heat = new();

    /// <summary>Tracks one block over <paramref name="state"/> (the block's starting state, not modified).</summary>
    public void Track(Block block, IStateReader state)
    {
        var overlay = new Dictionary<StateKey, UInt256>();
        var context = new Context(block.Header, state, overlay);
        for (int i = 0; i < block.Transactions.Count; i++)
        {
            var tx = block.Transactions[i];
            context.Begin(i, tx.GasLimit);
            ExecutionOutcome outcome;
            try { outcome = tx.Execute(context); }
            catch (Exception e) { outcome = ExecutionOutcome.Fail(FailureReason.Threw, e.Message); }
            if (!outcome.IsSuccess)
            {
                context.DiscardWrites();
                try { tx.OnFailure(context, outcome); }
                catch (Exception) { context.DiscardWrites(); }
            }
            context.Commit();
            foreach (var (key, access) in context.Accesses) Count(key, access);
        }
    }

    /// <summary>The <paramref name="count"/> keys touched by the most transactions.</summary>
    public IReadOnlyList<KeyHeat> Hottest(int count) => _heat
        .OrderByDescending(p => p.Value.Txs).ThenBy(p => p.Key)
        .Take(count)
        .Select(p => new KeyHeat(p.Key, p.Value.Txs, p.Value.Readers, p.Value.Writers, p.Value.Crediters))
        .ToList();

    /// <summary>Forgets every key counted so far.</summary>
    public void Clear() => _heat.Clear();

    private void Count(StateKey key, Access access)
    {
        _heat.TryGetValue(key, out var h);
        h.Txs++;
        if ((access & Access.Read) != 0) h.Readers++;
        if ((access & Access.Write) != 0) h.Writers++;
        if ((access & Access.Credit) != 0) h.Crediters++;
        _heat[key] = h;
    }

    [Flags]
    private enum Access : byte { Read = 1, Write = 2, Credit = 4 }

    private sealed class Context(BlockHeader header, IStateReader state, Dictionary<StateKey, UInt256> overlay) : ITransactionContext
    {
        private readonly Dictionary<StateKey, UInt256> _writes = new();
        private int _steps;

        public Dictionary<StateKey, Access> Accesses { get; } = new();
        public BlockHeader Block => header;
        public int TransactionIndex { get; private set; }
        public ulong GasUsed { get; private set; }
        public ulong GasLimit { get; private set; }

        public void Begin(int index, ulong gasLimit)
        {
            TransactionIndex = index;
            GasLimit = gasLimit;
            GasUsed = 0;
            _steps = 0;
            _writes.Clear();
            Accesses.Clear();
        }

        public void DiscardWrites()
        {
            _writes.Clear();
            _steps = 0;
        }

        public void Commit()
        {
            foreach (var (key, value) in _writes) overlay[key] = value;
        }

        public UInt256 Read(in StateKey key)
        {
            Mark(key, Access.Read);
            return Current(key);
        }

        public void Write(in StateKey key, in UInt256 value)
        {
            Mark(key, Access.Write);
            _writes[key] = value;
        }

        public void Add(in StateKey key, in UInt256 amount)
        {
            Mark(key, Access.Credit);
            if (!UInt256.TryAdd(Current(key), amount, out var sum))
                throw new TransactionFailedException(FailureReason.Overflow, $"credit to {key} overflows");
            _writes[key] = sum;
        }

        public void UseGas(ulong amount)
        {
            if (amount > GasLimit - GasUsed)
            {
                GasUsed = GasLimit;
                throw new TransactionFailedException(FailureReason.OutOfGas);
            }
            GasUsed += amount;
        }

        private UInt256 Current(in StateKey key) =>
            _writes.TryGetValue(key, out var v) ? v
            : overlay.TryGetValue(key, out v) ? v
            : state.TryGet(key, out v) ? v : default;

        private void Mark(in StateKey key, Access access)
        {
            if (++_steps > ExecutionLimits.MaxStateAccesses)
                throw new TransactionFailedException(FailureReason.StepLimit);
            Accesses.TryGetValue(key, out var a);
            Accesses[key] = a | access;
        }
    }
}
