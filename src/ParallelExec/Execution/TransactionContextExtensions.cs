using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>Account-shaped helpers over the key/value context.</summary>
public static class TransactionContextExtensions
{
    public static ulong ReadNonce(this ITransactionContext context, Address address)
    {
        var word = context.Read(StateKey.Nonce(address));
        return word.FitsInUInt64 ? word.U0 : throw new TransactionFailedException(FailureReason.Overflow, $"nonce of {address} exceeds 64 bits");
    }

    public static UInt256 ReadBalance(this ITransactionContext context, Address address) =>
        context.Read(StateKey.Balance(address));
}
