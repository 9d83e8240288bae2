namespace ParallelExec.Execution;

/// <summary>How a parallel executor may use speculation for one block (<see cref="ExecutionOptions.Speculation"/>).</summary>
public enum SpeculationMode
{
    /// <summary>
    /// The executor decides: a block starts speculating unless the blocks before it were lost to
    /// speculation (then it runs in order, with a probing block every so often), and pauses
    /// within the block when speculation meets contention or does not pay.
    /// </summary>
    Adaptive,

    /// <summary>The block starts speculating whatever earlier blocks showed; pauses within it still apply.</summary>
    SpeculateFirst,

    /// <summary>
    /// The whole block runs in order on one worker, as after blocks lost to speculation: for a
    /// block known to be one dependency chain (say, one sender's batch).
    /// </summary>
    InOrder,
}
