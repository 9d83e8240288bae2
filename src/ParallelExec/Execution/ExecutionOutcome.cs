namespace ParallelExec.Execution;

/// <summary>What a transaction's logic returned: success, or a failure with a reason.</summary>
public readonly record struct ExecutionOutcome(FailureReason Reason, string? Detail)
{
    /// <summary>The transaction succeeded.</summary>
    public static readonly ExecutionOutcome Success = new(FailureReason.None, null);

    /// <summary>Whether the transaction succeeded.</summary>
    public bool IsSuccess => Reason == FailureReason.None;

    /// <summary>A failure for <paramref name="reason"/>, with an optional human-readable detail.</summary>
    public static ExecutionOutcome Fail(FailureReason reason, string? detail = null) =>
        reason == FailureReason.None ? throw new ArgumentException("a failure needs a reason", nameof(reason)) : new(reason, detail);
}
