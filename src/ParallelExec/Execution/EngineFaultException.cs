namespace ParallelExec.Execution;

/// <summary>
/// A fault inside the engine or its state storage (not a transaction's failure). It is raised to the
/// caller of the executor; no partial block result is ever returned.
/// </summary>
public sealed class EngineFaultException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// The transaction whose committed (in-order) execution hit the fault, when the fault is a read of
    /// the starting state made for it; null otherwise.
    /// </summary>
    public int? TransactionIndex { get; init; }
}
