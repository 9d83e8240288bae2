using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// A transaction a node can implement with its own logic. Execution must be deterministic: it may
/// depend only on the values it reads through the context (and on the transaction's own fields).
/// It reads and writes state only through <see cref="ITransactionContext"/>.
/// </summary>
public interface ITransaction
{
    /// <summary>Gas available to the transaction; <see cref="ITransactionContext.UseGas"/> past it fails with OutOfGas.</summary>
    ulong GasLimit { get; }

    /// <summary>Declared read/write keys, or null when unknown.</summary>
    AccessHints? Hints => null;

    /// <summary>
    /// Appends to <paramref name="keys"/> the keys this transaction will likely read, derived from its
    /// own fields (a sender's nonce and balance, a recipient's balance, token balance slots, pool
    /// reserves), so a store can read them in one batch before the block executes. Unlike
    /// <see cref="Hints"/> (declared by whoever produced the block, untrusted, used by the scheduler)
    /// these keys are only a prefetch: they are never used for scheduling or for the result, and keys
    /// that are wrong or missing cost only time. Include the keys execution reads and the keys it
    /// credits with <see cref="ITransactionContext.Add"/> (the block reads a credited key's starting
    /// value when it commits the first credit); leave out the block's fee beneficiary (read once per
    /// block, not derivable from the transaction). At most <see cref="ExecutionLimits.MaxLikelyKeys"/>
    /// are used; a throw is ignored (nothing is prefetched for this transaction). The default
    /// appends nothing. Called on the thread that prepares the block and, to load ahead what a worker
    /// is about to look up, on the parallel executor's workers (the speculative path and the
    /// access-list path): possibly more than once per transaction, and for different transactions at
    /// once. Append without allocating, from the transaction's own fields only.
    /// </summary>
    void AppendLikelyKeys(List<StateKey> keys) { }

    /// <summary>
    /// Runs the transaction. Return a failure (or throw) to fail it: all of its writes are then
    /// discarded and <see cref="OnFailure"/> runs.
    /// </summary>
    ExecutionOutcome Execute(ITransactionContext context);

    /// <summary>
    /// Effects a failed transaction still has (a fee, a nonce increment), applied over the state
    /// without the failed attempt's writes. <see cref="ITransactionContext.GasUsed"/> still holds the
    /// gas the failed attempt used. Throwing here discards these effects too.
    /// </summary>
    void OnFailure(ITransactionContext context, ExecutionOutcome failure) { }
}
