using ParallelExec.Execution;

namespace ParallelExec.Blocks;

/// <summary>
/// Analyses the dependency graphs of a chain file: the recorded graph of a block when the file has
/// one, otherwise the graph observed by executing it (sequential reference, dependencies recorded).
/// Hottest keys come from an <see cref="AccessTracker"/> pass. The chain is executed from its genesis
/// to advance the state either way. Edges are kept for every block, or only for <c>keepEdgesOf</c> when given.
/// </summary>
public static class ChainAnalyzer
{
    /// <summary>Analyses every block of a chain file: its dependency graph (recorded, or observed by executing it) and the hottest keys.</summary>
    public static ChainAnalysis Analyze(string path, TransactionCodecRegistry? registry = null, int hottest = 5,
        Action<double>? progress = null, long? keepEdgesOf = null)
    {
        using var reader = ChainReader.Open(path, registry);
        if (reader.Start.Kind != ChainStartKind.Genesis)
            throw new NotSupportedException($"the chain starts from parent state root {reader.Start.ParentRoot}; analysing it needs that state from a database, which is not supported yet");
        var state = reader.Start.Genesis!; // the reader's own copy, read for this call: advanced in place
        var executor = new SequentialExecutor();
        var total = new AccessTracker();
        var perBlock = new AccessTracker();
        var blocks = new List<BlockAnalysis>();
        long length = reader.StreamLength;
        while (reader.ReadNext() is { } block)
        {
            perBlock.Clear();
            perBlock.Track(block.Block, state);
            total.Track(block.Block, state);
            bool recorded = block.Dependencies is not null;
            var result = executor.Execute(block.Block, state, new ExecutionOptions { RecordDependencies = !recorded, RecordAccessList = block.AccessList is null });
            int accessListBytes = (block.AccessList ?? result.AccessList!).Encode().Length;
            var edges = ChainRecorder.Normalize(recorded ? block.Dependencies : result.Dependencies);
            state.Apply(result.Changes);
            blocks.Add(new BlockAnalysis(block.Number, DependencyGraphStats.Compute(block.Transactions.Count, edges),
                keepEdgesOf is null || keepEdgesOf == block.Number ? edges : [], recorded,
                perBlock.Hottest(hottest), accessListBytes));
            if (progress is not null && length > 0) progress(Math.Min(1.0, (double)reader.Offset / length));
        }
        return new ChainAnalysis(blocks, total.Hottest(hottest));
    }
}
