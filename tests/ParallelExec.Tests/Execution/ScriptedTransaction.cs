using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Tests.Execution;

/// <summary>
/// A test transaction that runs a random script over a small key space, so a block can have any
/// conflict pattern: reads feeding writes, blind writes, credits, and every failure the engine
/// must handle (revert, throw, step limit, out of gas, overflowing credits). Two kinds make a torn
/// speculative view matter: <see cref="Kind.ReadIndirect"/> reads a key chosen by a value it read
/// (a stale value sends it elsewhere), and <see cref="Kind.GasLoop"/> loops as many times as a value
/// it read says, metered by gas (a stale, large value loops until the gas runs out).
/// </summary>
public sealed class ScriptedTransaction(ScriptedTransaction.Op[] ops, ulong gasLimit, StateKey? feeKey) : ITransaction
{
    public enum Kind : byte { Read, Write, Add, AddHuge, FailIf, ThrowIf, Loop, Gas, ReadIndirect, GasLoop }

    public readonly record struct Op(Kind Kind, StateKey Key, ulong Constant);

    public ulong GasLimit { get; } = gasLimit;
    public AccessHints? Hints { get; init; }
    public Op[] Ops { get; } = ops;

    public ExecutionOutcome Execute(ITransactionContext context)
    {
        ulong acc = (ulong)context.TransactionIndex;
        foreach (var op in Ops)
        {
            switch (op.Kind)
            {
                case Kind.Read:
                    acc = acc * 31 + context.Read(op.Key).U0;
                    break;
                case Kind.Write:
                    context.Write(op.Key, acc + op.Constant);
                    break;
                case Kind.Add:
                    context.Add(op.Key, op.Constant);
                    break;
                case Kind.AddHuge:
                    context.Add(op.Key, UInt256.MaxValue - new UInt256(op.Constant));
                    break;
                case Kind.FailIf:
                    if (acc % op.Constant == 0) return ExecutionOutcome.Fail(FailureReason.Reverted, $"acc {acc}");
                    break;
                case Kind.ThrowIf:
                    if (acc % op.Constant == 1) throw new InvalidOperationException($"scripted throw at {acc}");
                    break;
                case Kind.Loop:
                    while (true) acc += context.Read(op.Key).U0;
                case Kind.Gas:
                    context.UseGas(op.Constant);
                    break;
                case Kind.ReadIndirect:
                    // Constant: the key space. The key read next depends on the value just read.
                    var pointer = context.Read(op.Key).U0;
                    acc = acc * 31 + context.Read(KeyAt((int)(pointer % op.Constant))).U0;
                    break;
                case Kind.GasLoop:
                    for (ulong n = context.Read(op.Key).U0, i = 0; i < n; i++) context.UseGas(1);
                    break;
            }
        }
        return ExecutionOutcome.Success;
    }

    public void OnFailure(ITransactionContext context, ExecutionOutcome failure)
    {
        if (feeKey is { } key)
        {
            var seen = context.Read(key);
            context.Write(key, seen + 1);
        }
    }

    private static readonly Address Contract = Address.FromNumber(7, tag: 0xC0);

    /// <summary>Key number <paramref name="k"/> of the scripts' key space (every fifth one an account balance).</summary>
    public static StateKey KeyAt(int k) => k % 5 == 4 ? StateKey.Balance(Address.FromNumber((ulong)k, tag: 0xA0)) : StateKey.Storage(Contract, (ulong)k);

    public static Block RandomBlock(Random random, int transactions, int keySpace, bool withHints, long number = 1)
    {
        var feeKey = KeyAt(keySpace + 1);
        var txs = new ITransaction[transactions];
        for (int t = 0; t < transactions; t++)
        {
            int opCount = random.Next(1, 8);
            var ops = new Op[opCount];
            var reads = new List<StateKey>();
            var writes = new List<StateKey>();
            for (int o = 0; o < opCount; o++)
            {
                var key = KeyAt(random.Next(keySpace));
                int roll = random.Next(100);
                Kind kind = roll switch
                {
                    < 34 => Kind.Read,
                    < 40 => Kind.ReadIndirect,
                    < 62 => Kind.Write,
                    < 80 => Kind.Add,
                    < 83 => Kind.AddHuge,
                    < 88 => Kind.FailIf,
                    < 91 => Kind.ThrowIf,
                    < 92 => Kind.Loop,
                    < 96 => Kind.GasLoop,
                    _ => Kind.Gas,
                };
                if (kind == Kind.Loop && random.Next(10) != 0) kind = Kind.Read; // loops are slow: keep them rare
                ulong constant = kind switch
                {
                    Kind.FailIf or Kind.ThrowIf => (ulong)random.Next(2, 6),
                    Kind.Gas => (ulong)random.Next(1, 400),
                    Kind.AddHuge => (ulong)random.Next(0, 3),
                    Kind.ReadIndirect => (ulong)keySpace,
                    _ => (ulong)random.Next(0, 1000),
                };
                ops[o] = new Op(kind, key, constant);
                if (kind is Kind.Read or Kind.Loop or Kind.ReadIndirect or Kind.GasLoop) reads.Add(key);
                if (kind is Kind.Write or Kind.Add or Kind.AddHuge) writes.Add(key);
            }
            AccessHints? hints = null;
            if (withHints)
            {
                hints = random.Next(4) switch
                {
                    0 => null,
                    1 => new AccessHints([KeyAt(random.Next(keySpace))], [KeyAt(random.Next(keySpace))]), // wrong
                    2 => new AccessHints([.. reads.Take(1)], []), // incomplete
                    _ => new AccessHints([.. reads], [.. writes]),
                };
            }
            txs[t] = new ScriptedTransaction(ops, 1000, random.Next(3) == 0 ? feeKey : null) { Hints = hints };
        }
        return new Block(new BlockHeader(number, Address.FromNumber(1, tag: 0xBE)), txs);
    }
}
