using ParallelExec.AccessLists;

namespace ParallelExec.Execution;

/// <summary>Per-block execution options.</summary>
public sealed record ExecutionOptions
{
    /// <summary>No dependencies recorded, no dependency hints, adaptive speculation.</summary>
    public static readonly ExecutionOptions Default = new();

    /// <summary>Record the observed dependency graph (writer → reader edges) in the result.</summary>
    public bool RecordDependencies { get; init; }

    /// <summary>
    /// Record the block's EIP-7928 access list from its committed executions into
    /// <see cref="BlockResult.AccessList"/> (see docs/access-lists.md).
    /// </summary>
    public bool RecordAccessList { get; init; }

    /// <summary>
    /// Record one result digest per committed transaction into <see cref="BlockResult.TransactionDigests"/>
    /// (the per-transaction claim a fraud proof bisects over; see docs/witnesses.md). Off: no cost. A
    /// block the parallel executor runs from its access list (<see cref="AccessList"/>) records none.
    /// </summary>
    public bool RecordTransactionDigests { get; init; }

    /// <summary>
    /// The block's EIP-7928 access list: the parallel executor then runs every transaction at once over
    /// the list's values and checks each against it (see docs/access-lists.md); a wrong list makes the
    /// block invalid or is dropped, as <see cref="AccessListInput.Mode"/> says. The sequential executor ignores it.
    /// </summary>
    public AccessListInput? AccessList { get; init; }

    /// <summary>
    /// A dependency graph for the block (writer → reader edges), e.g. recorded by a block producer
    /// (Polygon's TxDependency, EIP-7928 access lists): used like declared hints to hold back
    /// dependent transactions. Never trusted: edges out of range are ignored and a graph with more
    /// than <see cref="ExecutionLimits.MaxHintKeys"/> edges per transaction is ignored whole.
    /// </summary>
    public IReadOnlyList<(int From, int To)>? DependencyHints { get; init; }

    /// <summary>
    /// Collect <see cref="BlockResult.TouchedKeys"/> (on by default). Off, the result's touched keys are
    /// empty and nothing else changes: for a caller that needs only receipts and changes (a chain's
    /// replay, which applies and commits the changes), saving a copy of every key the block touched
    /// (a few megabytes a block of 10,000 transfers, garbage for the large-object heap).
    /// </summary>
    public bool RecordTouchedKeys { get; init; } = true;

    /// <summary>How the parallel executor may speculate on this block (the sequential executor ignores it).</summary>
    public SpeculationMode Speculation { get; init; }

    /// <summary>
    /// Where the built-in executors rent the buffers a result's receipts and changes are collected in
    /// (a chain pipeline that recycles them, <see cref="Storage.ChainPipeline.RecycleResults"/>); null:
    /// arrays of their exact length, owned by the result.
    /// </summary>
    internal ResultBuffers? ResultBuffers { get; init; }
}
