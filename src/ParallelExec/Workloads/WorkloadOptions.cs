namespace ParallelExec.Workloads;

/// <summary>What to generate. The same options and seed always give the same chain.</summary>
public sealed record WorkloadOptions
{
    /// <summary>Which workload.</summary>
    public WorkloadKind Kind { get; init; } = WorkloadKind.P2p;
    /// <summary>Accounts that send and receive.</summary>
    public int Accounts { get; init; } = 10_000;
    /// <summary>Transactions per block.</summary>
    public int TransactionsPerBlock { get; init; } = 10_000;
    /// <summary>Blocks.</summary>
    public int Blocks { get; init; } = 1;
    /// <summary>Seed of the generator: the same seed gives the same blocks.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Units of CPU work per transaction (Keccak-f[1600] permutations).</summary>
    public int Work { get; init; }
    /// <summary>Charge fees to the block's beneficiary (gas price 1) or not (gas price 0).</summary>
    public bool Fees { get; init; } = true;
    /// <summary>Which access hints the transactions declare.</summary>
    public HintMode Hints { get; init; } = HintMode.None;
    /// <summary>Number of pools for the amm workload.</summary>
    public int Pools { get; init; } = 4;

    /// <summary>Throws <see cref="ArgumentException"/> when an option is out of range.</summary>
    public void Validate()
    {
        if (Accounts < 2) throw new ArgumentException("accounts must be at least 2");
        if (TransactionsPerBlock < 1) throw new ArgumentException("transactions per block must be at least 1");
        if (Blocks < 1) throw new ArgumentException("blocks must be at least 1");
        if (Work < 0) throw new ArgumentException("work cannot be negative");
        if (Pools < 1) throw new ArgumentException("pools must be at least 1");
    }
}
