using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Tests.Execution;

/// <summary>
/// A test transaction that runs a random script over a small key space, so a block can have any
/// conflict pattern: reads feeding writes, blind writes, credits, and every failure the engine
/// must handle (revert, throw, step limit, out of gas, overflowing credits).
/// </summary>
public sealed class ScriptedTransaction(ScriptedTransaction.Op[] ops, ulong gasLimit, StateKey? feeKey) : ITransaction
{
    public enum Kind : byte { Read, Write, Add, AddHuge, FailIf, ThrowIf, Loop, Gas }

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

    public static Block RandomBlock(Random random, int transactions, int keySpace, bool withHints, long number = 1)
    {
        var contract = Address.FromNumber(7, tag: 0xC0);
        StateKey KeyAt(int k) => k % 5 == 4 ? StateKey.Balance(Address.FromNumber((ulong)k, tag: 0xA0)) : StateKey.Storage(contract, (ulong)k);
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
                    < 40 => Kind.Read,
                    < 65 => Kind.Write,
                    < 85 => Kind.Add,
                    < 88 => Kind.AddHuge,
                    < 93 => Kind.FailIf,
                    < 96 => Kind.ThrowIf,
                    < 97 => Kind.Loop,
                    _ => Kind.Gas,
                };
                if (kind == Kind.Loop && random.Next(10) != 0) kind = Kind.Read; // loops are slow: keep them rare
                ulong constant = kind switch
                {
                    Kind.FailIf or Kind.ThrowIf => (ulong)random.Next(2, 6),
                    Kind.Gas => (ulong)random.Next(1, 400),
                    Kind.AddHuge => (ulong)random.Next(0, 3),
                    _ => (ulong)random.Next(0, 1000),
                };
                ops[o] = new Op(kind, key, constant);
                if (kind is Kind.Read or Kind.Loop) reads.Add(key);
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
