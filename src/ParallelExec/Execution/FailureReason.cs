namespace ParallelExec.Execution;

/// <summary>Why a transaction failed. A failed transaction's own state changes are discarded.</summary>
public enum FailureReason : byte
{
    /// <summary>Not failed.</summary>
    None = 0,
    /// <summary>The sender's nonce did not match the transaction's.</summary>
    BadNonce,
    /// <summary>The sender could not pay the fee or the value.</summary>
    InsufficientBalance,
    /// <summary>Arithmetic overflowed or underflowed (including a credit that would pass 2^256).</summary>
    Overflow,
    /// <summary>The transaction used more gas than its limit.</summary>
    OutOfGas,
    /// <summary>The transaction made more state accesses than <see cref="ExecutionLimits.MaxStateAccesses"/>.</summary>
    StepLimit,
    /// <summary>The transaction's own logic rejected it.</summary>
    Reverted,
    /// <summary>The transaction's code threw an exception.</summary>
    Threw,
}
