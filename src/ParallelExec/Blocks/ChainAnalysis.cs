namespace ParallelExec.Blocks;

/// <summary>The dependency analysis of a whole chain file.</summary>
public sealed record ChainAnalysis(IReadOnlyList<BlockAnalysis> Blocks, IReadOnlyList<KeyHeat> HottestKeys)
{
    /// <summary>Transactions in all blocks.</summary>
    public long Transactions => Blocks.Sum(b => (long)b.Graph.Transactions);
    /// <summary>Dependency edges (writer → reader) in all blocks.</summary>
    public long Edges => Blocks.Sum(b => (long)b.Graph.Edges);
    /// <summary>RLP bytes of all blocks' access lists.</summary>
    public long AccessListBytes => Blocks.Sum(b => (long)b.AccessListBytes);
    /// <summary>Access list bytes per transaction over the whole chain.</summary>
    public double AccessListBytesPerTransaction => Transactions == 0 ? 0 : (double)AccessListBytes / Transactions;
    /// <summary>Transactions that depend on an earlier one of their block.</summary>
    public long DependentTransactions => Blocks.Sum(b => (long)b.Graph.DependentTransactions);

    /// <summary>Blocks run one after another, so the chain's critical path is the sum of the blocks'.</summary>
    public long CriticalPath => Blocks.Sum(b => (long)b.Graph.CriticalPath);

    /// <summary>The share of transactions that depend on an earlier one (0..1).</summary>
    public double DependentShare => Transactions == 0 ? 0 : (double)DependentTransactions / Transactions;

    /// <summary>The speed-up the dependency graphs allow on <paramref name="cores"/> cores: min(cores, transactions / critical path).</summary>
    public double SpeedupLimit(int cores) => CriticalPath == 0 ? cores : Math.Min(cores, (double)Transactions / CriticalPath);
}
