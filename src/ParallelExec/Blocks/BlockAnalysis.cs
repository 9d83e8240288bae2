namespace ParallelExec.Blocks;

/// <summary>
/// The dependency analysis of one block, with the size of its EIP-7928 access list in RLP bytes
/// (the recorded one when present, else the one recorded by executing the block).
/// </summary>
public sealed record BlockAnalysis(long Number, DependencyGraphStats Graph, IReadOnlyList<(int From, int To)> Edges, bool FromRecording,
    IReadOnlyList<KeyHeat> HottestKeys, int AccessListBytes = 0)
{
    /// <summary>Access list bytes per transaction (0 for an empty block).</summary>
    public double AccessListBytesPerTransaction => Graph.Transactions == 0 ? 0 : (double)AccessListBytes / Graph.Transactions;
}
