namespace ParallelExec.Execution;

/// <summary>
/// Thrown into a speculative run at its next state access or gas charge once the committer has
/// taken the transaction over (it runs it in order instead of waiting). Never escapes the engine;
/// transaction code that catches it only meets it again at its next access.
/// </summary>
internal sealed class SpeculationAbandonedException : Exception
{
    public static readonly SpeculationAbandonedException Instance = new();

    private SpeculationAbandonedException() : base("speculative run abandoned: the committer took the transaction over") { }
}
