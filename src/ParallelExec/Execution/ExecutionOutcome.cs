namespace ParallelExec.Execution;

/// <summary>What a transaction's logic returned: success, or a failure with a reason.</summary>
public readonly record struct ExecutionOutcome(FailureReason Reason, string? Detail)
{
    public static readonly ExecutionOutcome Success = new(FailureReason.None, null);

    public bool IsSuccess => Reason == FailureReason.None;

    public static ExecutionOutcome Fail(FailureReason reason, string? detail = null) =>
        reason == FailureReason.None ? throw new ArgumentException("a failure needs a reason", nameof(reason)) : new(reason, detail);
}
