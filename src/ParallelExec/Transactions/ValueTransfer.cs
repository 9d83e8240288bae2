using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Transactions;

/// <summary>Moves native balance from the sender to a recipient (the recipient is credited, not read).</summary>
public sealed class ValueTransfer(Address sender, ulong nonce, ulong gasPrice, Address to, UInt256 value, int work = 0)
    : SenderTransaction(sender, nonce, gasPrice, work)
{
    /// <summary>The recipient.</summary>
    public Address To { get; } = to;
    /// <summary>The value transferred.</summary>
    public UInt256 Value { get; } = value;

    /// <inheritdoc/>
    public override ulong IntrinsicGas => 21_000;

    /// <inheritdoc/>
    public override void DescribeAccess(List<StateKey> reads, List<StateKey> writes) => writes.Add(StateKey.Balance(To));

    /// <inheritdoc/>
    protected override ExecutionOutcome ExecuteBody(ITransactionContext context)
    {
        if (!TryDebit(context, StateKey.Balance(Sender), Value))
            return ExecutionOutcome.Fail(FailureReason.InsufficientBalance, $"cannot send {Value}");
        context.Add(StateKey.Balance(To), Value);
        return ExecutionOutcome.Success;
    }
}
