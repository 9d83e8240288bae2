namespace ParallelExec.Workloads;

/// <summary>What to generate. The same options and seed always give the same chain.</summary>
public sealed record WorkloadOptions
{
    public WorkloadKind Kind { get; init; } = WorkloadKind.P2p;
    public int Accounts { get; init; } = 10_000;
    public int TransactionsPerBlock { get; init; } = 10_000;
    public int Blocks { get; init; } = 1;
    public ulong Seed { get; init; } = 1;
    /// <summary>Units of CPU work per transaction (Keccak-f[1600] permutations).</summary>
    public int Work { get; init; }
    /// <summary>Charge fees to the block's beneficiary (gas price 1) or not (gas price 0).</summary>
    public bool Fees { get; init; } = true;
    public HintMode Hints { get; init; } = HintMode.None;
    /// <summary>Number of pools for the amm workload.</summary>
    public int Pools { get; init; } = 4;

    public void Validate()
    {
        if (Accounts < 2) throw new ArgumentException("accounts must be at least 2");
        if (TransactionsPerBlock < 1) throw new ArgumentException("transactions per block must be at least 1");
        if (Blocks < 1) throw new ArgumentException("blocks must be at least 1");
        if (Work < 0) throw new ArgumentException("work cannot be negative");
        if (Pools < 1) throw new ArgumentException("pools must be at least 1");
    }
}
