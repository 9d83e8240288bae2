using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Transactions;

/// <summary>
/// A swap on a constant-product pool (x·y = k, 0.3% fee), Uniswap-v2 style: the pool's two reserves
/// are a hot key every swap on the pool reads and writes. The sender pays token In from its
/// balance in the In token contract and is credited token Out.
/// Reserves must stay below 2^64 and amounts below 2^54 (64-bit pools keep the math in 128 bits).
/// </summary>
public sealed class PoolSwap(Address sender, ulong nonce, ulong gasPrice, Address pool, Address tokenIn, Address tokenOut,
    bool inIsToken0, UInt256 amountIn, int work = 0)
    : SenderTransaction(sender, nonce, gasPrice, work)
{
    private static readonly UInt256 MaxAmount = new(1UL << 54);

    /// <summary>The pool swapped with.</summary>
    public Address Pool { get; } = pool;
    /// <summary>The token paid in.</summary>
    public Address TokenIn { get; } = tokenIn;
    /// <summary>The token received.</summary>
    public Address TokenOut { get; } = tokenOut;
    /// <summary>Whether the token paid in is the pool's token 0.</summary>
    public bool InIsToken0 { get; } = inIsToken0;
    /// <summary>The amount paid in.</summary>
    public UInt256 AmountIn { get; } = amountIn;

    /// <inheritdoc/>
    public override ulong IntrinsicGas => 100_000;

    /// <summary>The pool's reserve of token 0.</summary>
    public static StateKey Reserve0(Address pool) => StateKey.Storage(pool, UInt256.Zero);
    /// <summary>The pool's reserve of token 1.</summary>
    public static StateKey Reserve1(Address pool) => StateKey.Storage(pool, UInt256.One);

    /// <inheritdoc/>
    public override void DescribeAccess(List<StateKey> reads, List<StateKey> writes)
    {
        reads.Add(TokenTransfer.BalanceSlot(TokenIn, Sender));
        reads.Add(Reserve0(Pool));
        reads.Add(Reserve1(Pool));
        writes.Add(TokenTransfer.BalanceSlot(TokenIn, Sender));
        writes.Add(Reserve0(Pool));
        writes.Add(Reserve1(Pool));
        writes.Add(TokenTransfer.BalanceSlot(TokenOut, Sender));
    }

    /// <inheritdoc/>
    protected override ExecutionOutcome ExecuteBody(ITransactionContext context)
    {
        if (AmountIn.IsZero || AmountIn >= MaxAmount) return ExecutionOutcome.Fail(FailureReason.Reverted, "amount out of range");
        if (!TryDebit(context, TokenTransfer.BalanceSlot(TokenIn, Sender), AmountIn))
            return ExecutionOutcome.Fail(FailureReason.InsufficientBalance, $"token balance below {AmountIn}");
        var inKey = InIsToken0 ? Reserve0(Pool) : Reserve1(Pool);
        var outKey = InIsToken0 ? Reserve1(Pool) : Reserve0(Pool);
        var reserveIn = context.Read(inKey);
        var reserveOut = context.Read(outKey);
        if (!reserveIn.FitsInUInt64 || !reserveOut.FitsInUInt64 || reserveIn.IsZero || reserveOut.IsZero)
            return ExecutionOutcome.Fail(FailureReason.Reverted, "pool reserves out of range");
        ulong amountIn = AmountIn.U0;
        UInt128 inWithFee = (UInt128)amountIn * 997;
        UInt128 numerator = inWithFee * reserveOut.U0;
        UInt128 denominator = (UInt128)reserveIn.U0 * 1000 + inWithFee;
        ulong amountOut = (ulong)(numerator / denominator);
        if (amountOut == 0) return ExecutionOutcome.Fail(FailureReason.Reverted, "output rounds to zero");
        ulong newReserveIn = reserveIn.U0 + amountIn;
        if (newReserveIn < reserveIn.U0) return ExecutionOutcome.Fail(FailureReason.Overflow, "reserve overflows");
        context.Write(inKey, newReserveIn);
        context.Write(outKey, reserveOut.U0 - amountOut);
        context.Add(TokenTransfer.BalanceSlot(TokenOut, Sender), amountOut);
        return ExecutionOutcome.Success;
    }
}
