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
    public Address Token { get; } = token;
    public Address To { get; } = to;
    public UInt256 Amount { get; } = amount;

    public override ulong IntrinsicGas => 50_000;

    public static StateKey BalanceSlot(Address token, Address holder) => StateKey.Storage(token, holder.ToUInt256());

    public override void DescribeAccess(List<StateKey> reads, List<StateKey> writes)
    {
        reads.Add(BalanceSlot(Token, Sender));
        writes.Add(BalanceSlot(Token, Sender));
        writes.Add(BalanceSlot(Token, To));
    }

    protected override ExecutionOutcome ExecuteBody(ITransactionContext context)
    {
        if (!TryDebit(context, BalanceSlot(Token, Sender), Amount))
            return ExecutionOutcome.Fail(FailureReason.InsufficientBalance, $"token balance below {Amount}");
        context.Add(BalanceSlot(Token, To), Amount);
        return ExecutionOutcome.Success;
    }
}
