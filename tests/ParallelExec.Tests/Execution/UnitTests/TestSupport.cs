using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Tests.Execution.UnitTests;

/// <summary>A transaction whose logic and failure path are delegates.</summary>
internal sealed class LambdaTransaction(Func<ITransactionContext, ExecutionOutcome> execute, Action<ITransactionContext, ExecutionOutcome>? onFailure = null, ulong gasLimit = 1_000_000)
    : ITransaction
{
    public ulong GasLimit { get; } = gasLimit;
    public AccessHints? Hints { get; init; }

    public ExecutionOutcome Execute(ITransactionContext context) => execute(context);

    public void OnFailure(ITransactionContext context, ExecutionOutcome failure) => onFailure?.Invoke(context, failure);

    /// <summary>Reads <paramref name="key"/> and writes it back plus one (a counter increment).</summary>
    public static LambdaTransaction Increment(StateKey key) => new(c =>
    {
        c.Write(key, c.Read(key) + UInt256.One);
        return ExecutionOutcome.Success;
    });
}

/// <summary>A state reader that throws <see cref="Fault"/> for one key (or every key) and otherwise reads an in-memory state.</summary>
internal sealed class FaultingStateReader(InMemoryState inner, StateKey? faultKey, Func<Exception> fault) : IStateReader
{
    public bool TryGet(in StateKey key, out UInt256 value)
    {
        if (faultKey is null || faultKey.Value.Equals(key)) throw fault();
        return inner.TryGet(key, out value);
    }
}

/// <summary>An <see cref="IStateView"/> that returns a new value on every call, counting calls.</summary>
internal sealed class CountingView(Func<int, UInt256> valueForCall, bool resolvable = true) : IStateView
{
    public int Calls { get; private set; }

    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source)
    {
        value = valueForCall(++Calls);
        source = -1;
        return resolvable;
    }

    public bool TryRead(in StateKey key, int txIndex, out UInt256 value, out int source, out int slot)
    {
        slot = -1;
        return TryRead(key, txIndex, out value, out source);
    }
}

internal static class Keys
{
    public static readonly Address Contract = Address.FromNumber(9, tag: 0xC0);
    public static readonly BlockHeader Header = new(1, Address.FromNumber(1, tag: 0xBE));

    public static StateKey Slot(ulong n) => StateKey.Storage(Contract, n);
}
