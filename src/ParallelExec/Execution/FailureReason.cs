namespace ParallelExec.Execution;

/// <summary>Why a transaction failed. A failed transaction's own state changes are discarded.</summary>
public enum FailureReason : byte
{
    None = 0,
    BadNonce,
    InsufficientBalance,
    /// <summary>Arithmetic overflowed or underflowed (including a credit that would pass 2^256).</summary>
    Overflow,
    OutOfGas,
    /// <summary>The transaction made more state accesses than <see cref="ExecutionLimits.MaxStateAccesses"/>.</summary>
    StepLimit,
    /// <summary>The transaction's own logic rejected it.</summary>
    Reverted,
    /// <summary>The transaction's code threw an exception.</summary>
    Threw,
}
