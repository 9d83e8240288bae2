namespace ParallelExec.Workloads;

/// <summary>The engine's native workload set.</summary>
public enum WorkloadKind
{
    /// <summary>Value transfers between random accounts.</summary>
    P2p,
    /// <summary>ERC-20-like token transfers on one token contract.</summary>
    Token,
    /// <summary>Swaps on a few constant-product pools (hot keys per pool).</summary>
    Amm,
    /// <summary>Mints on one counter: every transaction reads and writes the same key.</summary>
    Hot,
    /// <summary>A mix: half transfers, a quarter token transfers, swaps and mints.</summary>
    Mixed,
}
