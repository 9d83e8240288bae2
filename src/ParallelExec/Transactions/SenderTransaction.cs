using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Transactions;

/// <summary>
/// The envelope shared by the built-in kinds, Ethereum style: the sender's nonce must match and is
/// incremented, the fee (gas used × gas price) is paid by the sender and credited to the block's
/// beneficiary with a commutative credit (so fees to one beneficiary never serialise a block), and
/// optional CPU work models a virtual machine's cost. If the body fails, its changes are discarded
/// but the fee is still paid and the nonce still advances; a bad nonce or an unpayable fee leaves no trace.
/// </summary>
public abstract class SenderTransaction : ITransaction
{
    /// <summary>Gas charged per unit of CPU work (one Keccak-f[1600] permutation).</summary>
    public const ulong GasPerWorkUnit = 30;

    /// <summary>The envelope every built-in kind shares: sender, nonce, gas price and CPU work units.</summary>
    protected SenderTransaction(Address sender, ulong nonce, ulong gasPrice, int work)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(work);
        Sender = sender;
        Nonce = nonce;
        GasPrice = gasPrice;
        Work = work;
    }

    /// <summary>The account that pays the fee and whose nonce advances.</summary>
    public Address Sender { get; }
    /// <summary>The sender's nonce this transaction must match.</summary>
    public ulong Nonce { get; }
    /// <summary>Price per unit of gas.</summary>
    public ulong GasPrice { get; }
    /// <summary>Units of CPU work (Keccak-f[1600] permutations) the transaction performs.</summary>
    public int Work { get; }
    /// <inheritdoc/>
    public AccessHints? Hints { get; private set; }

    /// <summary>Attaches declared hints (before the transaction is executed).</summary>
    public SenderTransaction WithHints(AccessHints? hints)
    {
        Hints = hints;
        return this;
    }

    /// <summary>Gas the body costs; the fee is (IntrinsicGas + Work × GasPerWorkUnit) × GasPrice.</summary>
    public abstract ulong IntrinsicGas { get; }

    /// <inheritdoc/>
    public ulong GasLimit => IntrinsicGas + (ulong)Work * GasPerWorkUnit;

    /// <summary>Keys the body reads and writes, for declared hints (the envelope's keys are added).</summary>
    public abstract void DescribeAccess(List<StateKey> reads, List<StateKey> writes);

    /// <summary>
    /// The sender's nonce and balance (the envelope reads them for the nonce check and the fee), then the
    /// body's likely keys (<see cref="AppendBodyLikelyKeys"/>). The fee beneficiary is left out: it is
    /// credited, so the block reads its balance once, when it commits the first fee.
    /// </summary>
    public void AppendLikelyKeys(List<StateKey> keys)
    {
        keys.Add(StateKey.Nonce(Sender));
        keys.Add(StateKey.Balance(Sender));
        AppendBodyLikelyKeys(keys);
    }

    /// <summary>
    /// Keys the body will likely read or credit (see <see cref="ITransaction.AppendLikelyKeys"/>);
    /// the envelope's keys are added already. By default every key <see cref="DescribeAccess"/>
    /// names, reads and writes (duplicates are dropped by the caller): for the built-in kinds that is
    /// exactly what the body reads or credits (a credited key is read when the block commits it; a
    /// mint's owner slot is only written, and not declared). Override it when a body declares writes
    /// it never reads.
    /// </summary>
    protected virtual void AppendBodyLikelyKeys(List<StateKey> keys) => DescribeAccess(keys, keys);

    /// <summary>The kind-specific effect, after the fee has been taken and the nonce advanced.</summary>
    protected abstract ExecutionOutcome ExecuteBody(ITransactionContext context);

    /// <inheritdoc/>
    public ExecutionOutcome Execute(ITransactionContext context)
    {
        var nonceKey = StateKey.Nonce(Sender);
        var balanceKey = StateKey.Balance(Sender);
        ulong nonce = context.ReadNonce(Sender);
        if (nonce != Nonce) return ExecutionOutcome.Fail(FailureReason.BadNonce, $"expected nonce {nonce}, got {Nonce}");
        context.UseGas(GasLimit);
        if (Work > 0 && CpuWork.Run(Work, Nonce) == 0)
            return ExecutionOutcome.Fail(FailureReason.Reverted, "work result was zero"); // uses the result; practically never taken
        var fee = Fee(context.GasUsed);
        var balance = context.Read(balanceKey);
        if (!UInt256.TrySubtract(balance, fee, out var afterFee))
            return ExecutionOutcome.Fail(FailureReason.InsufficientBalance, $"balance {balance} cannot pay fee {fee}");
        context.Write(balanceKey, afterFee);
        context.Write(nonceKey, nonce + 1);
        var outcome = ExecuteBody(context);
        if (outcome.IsSuccess) CreditFee(context, fee);
        return outcome;
    }

    /// <inheritdoc/>
    public void OnFailure(ITransactionContext context, ExecutionOutcome failure)
    {
        if (failure.Reason == FailureReason.BadNonce) return;
        ulong nonce = context.ReadNonce(Sender);
        if (nonce != Nonce) return;
        var fee = Fee(context.GasUsed);
        var balanceKey = StateKey.Balance(Sender);
        var balance = context.Read(balanceKey);
        if (!UInt256.TrySubtract(balance, fee, out var afterFee)) return;
        context.Write(balanceKey, afterFee);
        context.Write(StateKey.Nonce(Sender), nonce + 1);
        CreditFee(context, fee);
    }

    /// <summary>Declared hints describing exactly what this transaction accesses.</summary>
    public AccessHints BuildHints(Address beneficiary)
    {
        var reads = new List<StateKey> { StateKey.Nonce(Sender), StateKey.Balance(Sender) };
        var writes = new List<StateKey> { StateKey.Nonce(Sender), StateKey.Balance(Sender) };
        if (GasPrice > 0) writes.Add(StateKey.Balance(beneficiary));
        DescribeAccess(reads, writes);
        return new AccessHints([.. reads], [.. writes]);
    }

    private UInt256 Fee(ulong gas) =>
        UInt256.TryMultiply(GasPrice, gas, out var fee) ? fee : throw new TransactionFailedException(FailureReason.Overflow, "fee overflows");

    private static void CreditFee(ITransactionContext context, in UInt256 fee)
    {
        if (!fee.IsZero) context.Add(StateKey.Balance(context.Block.Beneficiary), fee);
    }

    /// <summary>Debits <paramref name="amount"/> from a location, failing when it holds less.</summary>
    protected static bool TryDebit(ITransactionContext context, in StateKey key, in UInt256 amount)
    {
        var current = context.Read(key);
        if (!UInt256.TrySubtract(current, amount, out var rest)) return false;
        context.Write(key, rest);
        return true;
    }
}
