using ParallelExec.Metrics;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>Totals of a replay.</summary>
public sealed record ReplayReport
{
    /// <summary>The executor that ran the blocks (sequential or parallel).</summary>
    public required string Executor { get; init; }
    /// <summary>Its workers.</summary>
    public required int Workers { get; init; }
    /// <summary>Blocks executed.</summary>
    public long Blocks { get; init; }
    /// <summary>Transactions executed.</summary>
    public long Transactions { get; init; }
    /// <summary>Incarnations beyond the first, over all blocks.</summary>
    public long Reexecutions { get; init; }
    /// <summary>Speculative results whose reads had changed, over all blocks.</summary>
    public long ValidationFailures { get; init; }
    /// <summary>Switches to in-order execution, over all blocks.</summary>
    public long SequentialFallbacks { get; init; }
    /// <summary>Blocks whose recorded root matched.</summary>
    public long VerifiedBlocks { get; init; }
    /// <summary>Blocks without a recorded root.</summary>
    public long UnrecordedBlocks { get; init; }
    /// <summary>Time spent executing blocks.</summary>
    public TimeSpan Execute { get; init; }
    /// <summary>Time spent applying changes to the state and the trie.</summary>
    public TimeSpan Apply { get; init; }
    /// <summary>Time spent computing state roots.</summary>
    public TimeSpan Root { get; init; }
    /// <summary>Time spent loading the genesis state and hashing its trie.</summary>
    public TimeSpan Genesis { get; init; }
    /// <summary>Wall-clock time of the whole replay.</summary>
    public TimeSpan Total { get; init; }
    /// <summary>Whether block N+1 executed while block N was hashed (<see cref="ReplayOptions.Pipeline"/>).</summary>
    public bool Pipelined { get; init; }
    /// <summary>Wall time of the blocks (reading, executing, applying, hashing), after the genesis trie.</summary>
    public TimeSpan BlocksElapsed { get; init; }
    /// <summary>CPU time the process used meanwhile (all threads).</summary>
    public TimeSpan BlocksCpu { get; init; }
    /// <summary>What the garbage collector did meanwhile: collections by generation and the time they paused the process.</summary>
    public CollectorActivity BlocksCollector { get; init; }
    /// <summary>The state root of the genesis state.</summary>
    public Hash256 GenesisRoot { get; init; }
    /// <summary>The state root after the last block executed.</summary>
    public Hash256 FinalRoot { get; init; }
    /// <summary>The first block whose root did not match (replay stopped there), or null.</summary>
    public RootMismatch? Mismatch { get; init; }

    /// <summary>Whether no block's root differed from its recorded root.</summary>
    public bool Success => Mismatch is null;

    /// <summary>Transactions per second of execution alone.</summary>
    public double ExecuteTps => Execute.TotalSeconds > 0 ? Transactions / Execute.TotalSeconds : 0;

    /// <summary>Transactions per second of execute + apply + root, summed (pipelined they overlap).</summary>
    public double TotalTps => (Execute + Apply + Root).TotalSeconds is > 0 and var s ? Transactions / s : 0;

    /// <summary>Transactions per second of wall time (<see cref="BlocksElapsed"/>).</summary>
    public double Tps => BlocksElapsed.TotalSeconds is > 0 and var s ? Transactions / s : 0;
}
