using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Transactions;

/// <summary>
/// Mints the next token id of a collection: reads and increments the collection's counter (the
/// hottest key: every mint depends on the previous one) and records the sender as the owner.
/// </summary>
public sealed class CounterMint(Address sender, ulong nonce, ulong gasPrice, Address collection, int work = 0)
    : SenderTransaction(sender, nonce, gasPrice, work)
{
    private static readonly UInt256 OwnerRegion = new(0, 0, 1); // owners live at slot 2^128 + id

    /// <summary>The collection whose counter is minted from.</summary>
    public Address Collection { get; } = collection;

    /// <inheritdoc/>
    public override ulong IntrinsicGas => 60_000;

    /// <summary>The collection's counter slot (the next id).</summary>
    public static StateKey Counter(Address collection) => StateKey.Storage(collection, UInt256.Zero);

    /// <summary>The slot holding the owner of token <paramref name="id"/>.</summary>
    public static StateKey OwnerSlot(Address collection, in UInt256 id) => StateKey.Storage(collection, OwnerRegion + id);

    /// <inheritdoc/>
    public override void DescribeAccess(List<StateKey> reads, List<StateKey> writes)
    {
        reads.Add(Counter(Collection));
        writes.Add(Counter(Collection));
    }

    /// <inheritdoc/>
    protected override ExecutionOutcome ExecuteBody(ITransactionContext context)
    {
        var id = context.Read(Counter(Collection));
        if (!UInt256.TryAdd(id, UInt256.One, out var next)) return ExecutionOutcome.Fail(FailureReason.Overflow, "counter overflows");
        context.Write(Counter(Collection), next);
        context.Write(OwnerSlot(Collection, id), Sender.ToUInt256());
        return ExecutionOutcome.Success;
    }
}
