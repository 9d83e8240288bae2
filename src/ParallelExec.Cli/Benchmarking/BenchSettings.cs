using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// One bench invocation: the chain to generate (<see cref="Chain"/>; its kind is set per
/// workload), which workloads, which executors, how many timed runs.
/// </summary>
public sealed record BenchSettings
{
    public required IReadOnlyList<WorkloadKind> Workloads { get; init; }
    public required IReadOnlyList<int> Workers { get; init; }
    public WorkloadOptions Chain { get; init; } = new() { Blocks = 3 };
    /// <summary>Timed repetitions per configuration; the median is reported.</summary>
    public int Runs { get; init; } = 3;
    /// <summary>How the parallel executors may speculate (adaptive unless a run measures one path alone).</summary>
    public SpeculationMode Speculation { get; init; }
    /// <summary>Also run the parallel executor with each block's recorded access list (<see cref="ListedExecutor"/>) at each worker count above 1.</summary>
    public bool AccessLists { get; init; }

    /// <summary>
    /// The executors a run compares: sequential (the baseline) first, then parallel with each worker
    /// count, then, given <paramref name="lists"/>, parallel with the access lists at each count above 1.
    /// The caller disposes them.
    /// </summary>
    public List<IBlockExecutor> CreateExecutors(IReadOnlyDictionary<long, AccessLists.BlockAccessList>? lists = null)
    {
        var executors = new List<IBlockExecutor> { new SequentialExecutor() };
        foreach (int w in Workers) executors.Add(new ParallelExecutor(w));
        if (lists is not null)
        {
            var options = new ExecutionOptions { Speculation = Speculation };
            foreach (int w in Workers)
                if (w > 1) executors.Add(new ListedExecutor(new ParallelExecutor(w), lists, options));
        }
        return executors;
    }

    /// <summary>The settings in one line, as every report states them.</summary>
    public string Describe() =>
        $"{Chain.Blocks} blocks x {Chain.TransactionsPerBlock} txs, work {Chain.Work} units/tx, fees {(Chain.Fees ? "on" : "off")}, " +
        $"hints {Chain.Hints.ToString().ToLowerInvariant()}, " +
        (Speculation == SpeculationMode.Adaptive ? "" : $"speculation {SpeculationName(Speculation)}, ") +
        (AccessLists ? "access lists recorded beforehand, " : "") +
        $"median of {Runs} runs";

    /// <summary>The settings for a JSON report (a sweep varies the accounts per row, so it leaves them out).</summary>
    public object ToJson(bool withAccounts) => new
    {
        accounts = withAccounts ? Chain.Accounts : (int?)null,
        txsPerBlock = Chain.TransactionsPerBlock, blocks = Chain.Blocks, seed = Chain.Seed, work = Chain.Work, fees = Chain.Fees,
        hints = Chain.Hints.ToString().ToLowerInvariant(), speculation = SpeculationName(Speculation), accessLists = AccessLists, runs = Runs,
    };

    /// <summary>The <c>--speculation</c> values, in <see cref="SpeculationMode"/> order.</summary>
    public static readonly string[] SpeculationNames = ["adaptive", "first", "in-order"];

    public static string SpeculationName(SpeculationMode mode) => SpeculationNames[(int)mode];

    public static SpeculationMode ParseSpeculation(string name) => (SpeculationMode)Array.IndexOf(SpeculationNames, name);
}
