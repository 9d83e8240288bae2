namespace ParallelExec.Stateless;

/// <summary>What stateless verification of a block concluded.</summary>
public enum VerificationOutcome
{
    /// <summary>The witness proves the pre-state, the block executes on it, and the post-state root is the claimed one.</summary>
    Proven,
    /// <summary>The witness is for another block or pre-state root, or lists a node twice.</summary>
    MalformedWitness,
    /// <summary>The witness's nodes do not prove its values against the pre-state root (a value, a missing node, a malformed node, a code hash).</summary>
    PreStateNotProven,
    /// <summary>A committed execution read a key the witness lacks (the transaction and key are named).</summary>
    KeyOutsideWitness,
    /// <summary>The execution failed for another reason (an engine fault).</summary>
    ExecutionFault,
    /// <summary>The post-state root differs from the claim (with digests, the first diverging transaction is named).</summary>
    PostRootMismatch,
}
