namespace ParallelExec.Batches;

/// <summary>
/// The kind code in the low three bits of a transaction's head byte. A swap's direction is part of
/// its kind, so it costs no byte of its own. Codes 5..7 are unassigned (a decoder rejects them).
/// </summary>
public enum BatchTransactionKind : byte
{
    /// <summary>A <c>ValueTransfer</c>: to, amount.</summary>
    ValueTransfer = 0,
    /// <summary>A <c>TokenTransfer</c>: token, to, amount.</summary>
    TokenTransfer = 1,
    /// <summary>A <c>PoolSwap</c> paying in the pool's token 0: pool, token in, token out, amount.</summary>
    PoolSwapToken0In = 2,
    /// <summary>A <c>PoolSwap</c> paying in the pool's token 1: pool, token in, token out, amount.</summary>
    PoolSwapToken1In = 3,
    /// <summary>A <c>CounterMint</c>: collection.</summary>
    CounterMint = 4,
}
