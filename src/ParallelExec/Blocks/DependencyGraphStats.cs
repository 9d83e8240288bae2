namespace ParallelExec.Blocks;

/// <summary>
/// Shape of a block's dependency graph (transactions are nodes, writer → reader edges): its size,
/// conflict density, critical path (longest chain of dependent transactions, in transactions) and
/// the speed-up it allows: no schedule on c cores beats min(c, transactions / critical path).
/// </summary>
public sealed record DependencyGraphStats(int Transactions, int Edges, int DependentTransactions, int CriticalPath, int[] CriticalChain)
{
    /// <summary>Core counts the speed-up limit is reported for.</summary>
    public static readonly int[] CoreCounts = [2, 4, 8, 16, 32, 64];

    /// <summary>Edges over all possible forward edges n(n-1)/2.</summary>
    public double Density => Transactions < 2 ? 0 : Edges / (Transactions * (Transactions - 1) / 2.0);

    /// <summary>Share of transactions that depend on at least one earlier one.</summary>
    public double DependentShare => Transactions == 0 ? 0 : (double)DependentTransactions / Transactions;

    /// <summary>The speed-up this graph allows on <paramref name="cores"/> cores: min(cores, transactions / critical path).</summary>
    public double SpeedupLimit(int cores) => CriticalPath == 0 ? cores : Math.Min(cores, (double)Transactions / CriticalPath);

    /// <summary>Computes the statistics of a graph of forward edges (From &lt; To &lt; transactions).</summary>
    public static DependencyGraphStats Compute(int transactions, IReadOnlyList<(int From, int To)> edges)
    {
        var distinct = ChainRecorder.Normalize(edges); // sorted by To, so sources are final before targets
        var depth = new int[transactions];
        var via = new int[transactions];
        Array.Fill(depth, transactions > 0 ? 1 : 0);
        Array.Fill(via, -1);
        var dependent = new bool[transactions];
        foreach (var (from, to) in distinct)
        {
            if (from < 0 || from >= to || to >= transactions) throw new ArgumentException($"edge {from} -> {to} is not a forward edge between {transactions} transactions");
            dependent[to] = true;
            if (depth[from] + 1 > depth[to])
            {
                depth[to] = depth[from] + 1;
                via[to] = from;
            }
        }
        int end = -1, critical = 0;
        for (int i = 0; i < transactions; i++)
            if (depth[i] > critical) { critical = depth[i]; end = i; }
        var chain = new List<int>();
        for (int i = end; i >= 0; i = via[i]) chain.Add(i);
        chain.Reverse();
        return new DependencyGraphStats(transactions, distinct.Count, dependent.Count(d => d), critical, [.. chain]);
    }
}
