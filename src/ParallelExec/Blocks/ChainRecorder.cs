using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Storage;

namespace ParallelExec.Blocks;

/// <summary>
/// Records a chain file: executes it (parallel executor, dependencies and access lists recorded), then
/// rewrites every block header with its post-state root, its observed dependency graph (distinct
/// writer → reader edges, sorted) and its EIP-7928 access list. The new file is written next to the
/// old one and renamed over it atomically, so a failure or a cancellation leaves the original
/// untouched (and no temporary file behind).
/// </summary>
public static class ChainRecorder
{
    /// <summary>
    /// Executes the chain in <paramref name="path"/> with the parallel executor and rewrites it
    /// (atomically, through a temporary file) with each block's state root and dependency graph;
    /// <paramref name="outputPath"/> writes elsewhere instead. The state is held in memory, unless
    /// <paramref name="store"/> is given: then the chain is replayed into that empty store (its
    /// genesis streamed from the file, the trie's memory bounded by <paramref name="stateOptions"/>),
    /// which afterwards holds the chain's state, and neither the genesis nor the state is ever whole
    /// in memory.
    /// </summary>
    public static ReplayReport Record(string path, int workers, TransactionCodecRegistry? registry = null, Action<double>? progress = null,
        string? outputPath = null, CancellationToken cancellationToken = default, IStateStore? store = null, ChainStateOptions? stateOptions = null)
    {
        registry ??= TransactionCodecRegistry.Default;
        outputPath ??= path;
        if (store is { IsInitialized: true })
            throw new ArgumentException($"recording into a database needs an empty one: {store.Location} already holds a chain (head block {store.Head.Number})", nameof(store));
        var full = Path.GetFullPath(outputPath);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            ReplayReport report;
            var options = new ReplayOptions { Workers = workers, RecordDependencies = true, RecordAccessList = true };
            // With a store the genesis is streamed, into the store and into the new file, from one reader (checked once).
            var readerOptions = store is null ? new ChainReaderOptions { DecodeAccessLists = false } : StoredChainReplayer.ReaderOptions(options);
            using (var reader = ChainReader.Open(path, registry, readerOptions, cancellationToken))
            using (var writer = ChainWriter.Create(temp, reader.Start, registry, cancellationToken))
            {
                static ChainBlock Recorded(ChainBlock block, BlockResult result, Hash256 root) =>
                    block.WithRecord(root, Normalize(result.Dependencies), result.AccessList);
                if (store is null)
                {
                    report = ChainReplayer.Replay(reader, options, replay => writer.WriteBlock(Recorded(replay.Block, replay.Result, replay.Root)), progress,
                        cancellationToken);
                }
                else
                {
                    var stored = StoredChainReplayer.Replay(reader, store, options, stateOptions, registry, onBlock: null, progress, cancellationToken,
                        onChainBlock: (done, block) => writer.WriteBlock(Recorded(block, done.Result, done.Block.StateRoot)));
                    report = stored.ToReplayReport();
                }
                writer.Complete();
            }
            File.Move(temp, full, overwrite: true);
            return report;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Distinct edges, sorted by reader then writer.</summary>
    public static IReadOnlyList<(int From, int To)> Normalize(IReadOnlyList<(int From, int To)>? edges)
    {
        if (edges is null || edges.Count == 0) return [];
        var set = new HashSet<(int, int)>(edges);
        var list = set.ToList();
        list.Sort((a, b) => a.Item2 != b.Item2 ? a.Item2.CompareTo(b.Item2) : a.Item1.CompareTo(b.Item1));
        return list;
    }

    /// <summary>Zero: the value of an unrecorded root.</summary>
    public static Hash256 Unrecorded => default;
}
