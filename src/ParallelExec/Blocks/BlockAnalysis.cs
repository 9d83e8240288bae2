namespace ParallelExec.Blocks;

/// <summary>The dependency analysis of one block.</summary>
public sealed record BlockAnalysis(long Number, DependencyGraphStats Graph, IReadOnlyList<(int From, int To)> Edges, bool FromRecording,
    IReadOnlyList<KeyHeat> HottestKeys);
