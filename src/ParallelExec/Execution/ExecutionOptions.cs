namespace ParallelExec.Execution;

/// <summary>Per-block execution options.</summary>
public sealed record ExecutionOptions
{
    public static readonly ExecutionOptions Default = new();

    /// <summary>Record the observed dependency graph (writer → reader edges) in the result.</summary>
    public bool RecordDependencies { get; init; }
}
