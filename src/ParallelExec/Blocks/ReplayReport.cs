using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>Totals of a replay.</summary>
public sealed record ReplayReport
{
    public required string Executor { get; init; }
    public required int Workers { get; init; }
    public long Blocks { get; init; }
    public long Transactions { get; init; }
    public long Reexecutions { get; init; }
    public long ValidationFailures { get; init; }
    public long SequentialFallbacks { get; init; }
    /// <summary>Blocks whose recorded root matched.</summary>
    public long VerifiedBlocks { get; init; }
    /// <summary>Blocks without a recorded root.</summary>
    public long UnrecordedBlocks { get; init; }
    public TimeSpan Execute { get; init; }
    public TimeSpan Apply { get; init; }
    public TimeSpan Root { get; init; }
    public TimeSpan Genesis { get; init; }
    public TimeSpan Total { get; init; }
    /// <summary>Whether block N+1 executed while block N was hashed (<see cref="ReplayOptions.Pipeline"/>).</summary>
    public bool Pipelined { get; init; }
    /// <summary>Wall time of the blocks (reading, executing, applying, hashing), after the genesis trie.</summary>
    public TimeSpan BlocksElapsed { get; init; }
    /// <summary>CPU time the process used meanwhile (all threads).</summary>
    public TimeSpan BlocksCpu { get; init; }
    public Hash256 GenesisRoot { get; init; }
    public Hash256 FinalRoot { get; init; }
    /// <summary>The first block whose root did not match (replay stopped there), or null.</summary>
    public RootMismatch? Mismatch { get; init; }

    public bool Success => Mismatch is null;

    /// <summary>Transactions per second of execution alone.</summary>
    public double ExecuteTps => Execute.TotalSeconds > 0 ? Transactions / Execute.TotalSeconds : 0;

    /// <summary>Transactions per second of execute + apply + root, summed (pipelined they overlap).</summary>
    public double TotalTps => (Execute + Apply + Root).TotalSeconds is > 0 and var s ? Transactions / s : 0;

    /// <summary>Transactions per second of wall time (<see cref="BlocksElapsed"/>).</summary>
    public double Tps => BlocksElapsed.TotalSeconds is > 0 and var s ? Transactions / s : 0;
}
