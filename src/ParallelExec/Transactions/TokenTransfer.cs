using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Transactions;

/// <summary>
/// An ERC-20-like transfer: balances live in the token contract's storage, one slot per holder
/// (the holder's address as the slot).
/// </summary>
public sealed class TokenTransfer(Address sender, ulong nonce, ulong gasPrice, Address token, Address to, UInt256 amount, int work = 0)
    : SenderTransaction(sender, nonce, gasPrice, work)
{
    /// <summary>The token contract.</summary>
    public Address Token { get; } = token;
    /// <summary>The recipient.</summary>
    public Address To { get; } = to;
    /// <summary>The amount transferred.</summary>
    public UInt256 Amount { get; } = amount;

    /// <inheritdoc/>
    public override ulong IntrinsicGas => 50_000;

    /// <summary>The token's balance slot of <paramref name="holder"/>.</summary>
    public static StateKey BalanceSlot(Address token, Address holder) => StateKey.Storage(token, holder.ToUInt256());

    /// <inheritdoc/>
    public override void DescribeAccess(List<StateKey> reads, List<StateKey> writes)
    {
        reads.Add(BalanceSlot(Token, Sender));
        writes.Add(BalanceSlot(Token, Sender));
        writes.Add(BalanceSlot(Token, To));
    }

    /// <inheritdoc/>
    protected override ExecutionOutcome ExecuteBody(ITransactionContext context)
    {
        if (!TryDebit(context, BalanceSlot(Token, Sender), Amount))
            return ExecutionOutcome.Fail(FailureReason.InsufficientBalance, $"token balance below {Amount}");
        context.Add(BalanceSlot(Token, To), Amount);
        return ExecutionOutcome.Success;
    }
}
