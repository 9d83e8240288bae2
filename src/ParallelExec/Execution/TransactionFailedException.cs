namespace ParallelExec.Execution;

/// <summary>
/// Thrown by the transaction context (out of gas, overflow, step limit) to stop a transaction;
/// the engine turns it into a failed receipt. Transaction code may throw it too.
/// </summary>
public sealed class TransactionFailedException(FailureReason reason, string? detail = null)
    : Exception(detail is null ? reason.ToString() : $"{reason}: {detail}")
{
    /// <summary>Why the transaction failed.</summary>
    public FailureReason Reason { get; } = reason;
    /// <summary>A human-readable detail, if any.</summary>
    public string? Detail { get; } = detail;
}
