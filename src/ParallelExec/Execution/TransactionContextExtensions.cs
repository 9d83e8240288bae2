using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>Account-shaped helpers over the key/value context.</summary>
public static class TransactionContextExtensions
{
    /// <summary>Reads an account's nonce (it must fit in 64 bits).</summary>
    public static ulong ReadNonce(this ITransactionContext context, Address address)
    {
        var word = context.Read(StateKey.Nonce(address));
        return word.FitsInUInt64 ? word.U0 : throw new TransactionFailedException(FailureReason.Overflow, $"nonce of {address} exceeds 64 bits");
    }

    /// <summary>Reads an account's balance.</summary>
    public static UInt256 ReadBalance(this ITransactionContext context, Address address) =>
        context.Read(StateKey.Balance(address));
}
