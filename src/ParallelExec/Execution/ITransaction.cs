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
