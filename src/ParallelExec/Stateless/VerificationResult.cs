using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>The typed result of <see cref="StatelessVerifier.Verify(in Hash256, Execution.Block, ExecutionWitness, StatelessClaim)"/>.</summary>
public sealed record VerificationResult
{
    /// <summary>What the verification concluded.</summary>
    public required VerificationOutcome Outcome { get; init; }

    /// <summary>One line: what was proven, or what failed and where.</summary>
    public required string Message { get; init; }

    /// <summary>Whether the transition is proven.</summary>
    public bool IsProven => Outcome == VerificationOutcome.Proven;

    /// <summary>The transaction the failure is about (a read outside the witness, the first diverging digest); null otherwise.</summary>
    public int? Transaction { get; init; }

    /// <summary>The key the failure is about (a value not proven, a read outside the witness); null otherwise.</summary>
    public StateKey? Key { get; init; }

    /// <summary>The post-state root computed, when the step ran.</summary>
    public Hash256? ComputedPostRoot { get; init; }

    /// <summary>Time to check the witness against the pre-state root.</summary>
    public TimeSpan ProofTime { get; init; }

    /// <summary>Time to execute the block on the witness.</summary>
    public TimeSpan ExecutionTime { get; init; }

    /// <summary>How the block was executed on the witness, when it executed to the end; null otherwise.</summary>
    public Execution.BlockExecutionStats? Stats { get; init; }

    /// <summary>Time of the post-state root step (zero when it did not run).</summary>
    public TimeSpan PostRootTime { get; init; }
}
