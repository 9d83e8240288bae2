namespace ParallelExec.Execution;

/// <summary>The outcome of one transaction of a block.</summary>
public readonly record struct Receipt(int Index, bool Success, ulong GasUsed, FailureReason Failure, string? Detail)
{
    /// <inheritdoc/>
    public override string ToString() => Success
        ? $"#{Index} ok gas={GasUsed}"
        : $"#{Index} failed {Failure}{(Detail is null ? "" : ": " + Detail)} gas={GasUsed}";
}
