using System.Diagnostics;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// Replays a chain file into a state store, committing every block. An empty store gets the file's
/// genesis; a store that already holds blocks resumes after its head, once the file is shown to be
/// the same chain (same genesis root, same hash for every block the store still records). With
/// <see cref="ReplayOptions.Verify"/> a block whose root differs from the recorded one is not
/// committed and the replay stops there. With <see cref="ReplayOptions.Pipeline"/> (the default) blocks
/// run through a <see cref="ChainPipeline"/>: block N+1 executes while block N's root is computed and
/// N is committed; the outcome is the same. A cancellation stops the replay at a block boundary: a block
/// whose root is computed is still committed (and reported), blocks executing are dropped, then
/// <see cref="OperationCanceledException"/> is thrown.
/// </summary>
public static class StoredChainReplayer
{
    /// <summary>
    /// Replays the chain file in <paramref name="path"/> into <paramref name="store"/> (creating its
    /// genesis, or resuming after its head), committing every block. <paramref name="onBlock"/> sees
    /// every committed block; <paramref name="onChainBlock"/> also sees the file's block it came from
    /// (what a recorder rewrites). A block's <see cref="BlockResult.Receipts"/> and
    /// <see cref="BlockResult.Changes"/> are readable only during those calls (the replay reuses their
    /// memory: <see cref="ChainPipeline.RecycleResults"/>).
    /// </summary>
    public static StoredReplayReport Replay(string path, IStateStore store, ReplayOptions options, ChainStateOptions? stateOptions = null,
        TransactionCodecRegistry? registry = null, Action<CommittedBlock>? onBlock = null, Action<double>? progress = null,
        CancellationToken cancellationToken = default, Action<CommittedBlock, ChainBlock>? onChainBlock = null)
    {
        registry ??= TransactionCodecRegistry.Default;
        var total = Stopwatch.StartNew();
        using var reader = OpenChain(path, options, registry, cancellationToken, store);
        return Replay(reader, store, options, stateOptions, registry, onBlock, progress, cancellationToken, onChainBlock, total);
    }

    /// <summary>
    /// Opens the chain file in <paramref name="path"/> as a replay reads it, checking its header and
    /// genesis (a malformed file fails here, before a caller creates a database for it); hand it to
    /// <see cref="Replay(ChainReader, IStateStore, ReplayOptions, ChainStateOptions?, TransactionCodecRegistry?, Action{CommittedBlock}?, Action{double}?, CancellationToken)"/>
    /// with the same options and registry. The caller disposes it. <paramref name="cancellationToken"/>
    /// stops the genesis's check (<see cref="OperationCanceledException"/>). For a replay that resumes
    /// <paramref name="resumeInto"/> (a store holding a chain already) the genesis is only compared by its
    /// digest, which a version-3 file gives without reading it (<see cref="StoredChainMatch.OpenAtBlocks"/>).
    /// </summary>
    public static ChainReader OpenChain(string path, ReplayOptions options, TransactionCodecRegistry? registry = null, CancellationToken cancellationToken = default,
        IStateStore? resumeInto = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        registry ??= TransactionCodecRegistry.Default;
        return resumeInto is { IsInitialized: true }
            ? StoredChainMatch.OpenAtBlocks(path, registry, ReaderOptions(options), cancellationToken)
            : ChainReader.Open(path, registry, ReaderOptions(options), cancellationToken);
    }

    /// <summary>
    /// As <see cref="Replay(string, IStateStore, ReplayOptions, ChainStateOptions?, TransactionCodecRegistry?, Action{CommittedBlock}?, Action{double}?, CancellationToken, Action{CommittedBlock, ChainBlock}?)"/>,
    /// over a reader from <see cref="OpenChain"/> that has read no block yet.
    /// </summary>
    public static StoredReplayReport Replay(ChainReader reader, IStateStore store, ReplayOptions options, ChainStateOptions? stateOptions = null,
        TransactionCodecRegistry? registry = null, Action<CommittedBlock>? onBlock = null, Action<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        if (reader.BlocksRead > 0) throw new ArgumentException("the reader has read blocks already: open it anew", nameof(reader));
        return Replay(reader, store, options, stateOptions, registry ?? TransactionCodecRegistry.Default, onBlock, progress, cancellationToken, null);
    }

    /// <summary>
    /// How a replay reads its file: the genesis streamed, never held whole in memory; recorded access
    /// lists read only to run with them.
    /// </summary>
    internal static ChainReaderOptions ReaderOptions(ReplayOptions options) =>
        new() { GenesisInMemory = false, DecodeAccessLists = options.UseAccessLists };

    /// <summary>
    /// As the other overload, over a reader already open on the file (opened with <see cref="ReaderOptions"/>
    /// and <paramref name="registry"/>, at its first block): a caller that also needs the file's start
    /// (a recorder copying the genesis) reads and checks the genesis once.
    /// </summary>
    internal static StoredReplayReport Replay(ChainReader reader, IStateStore store, ReplayOptions options, ChainStateOptions? stateOptions,
        TransactionCodecRegistry registry, Action<CommittedBlock>? onBlock, Action<double>? progress, CancellationToken cancellationToken,
        Action<CommittedBlock, ChainBlock>? onChainBlock, Stopwatch? total = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        stateOptions ??= new ChainStateOptions { RootParallelism = options.RootParallelism };
        total ??= Stopwatch.StartNew();
        if (reader.Start.Kind != ChainStartKind.Genesis)
            throw new NotSupportedException($"the chain starts from parent state root {reader.Start.ParentRoot}; only chains with an embedded genesis can be replayed into a database");
        var start = reader.Start;
        // Sort runs of a large genesis go inside the database's folder (on its disk); a folder an
        // import killed midway left there is cleared first.
        var scratch = Directory.Exists(store.Location) ? System.IO.Path.Combine(store.Location, "genesis-import") : System.IO.Path.GetTempPath();
        void ClearScratch()
        {
            if (scratch != System.IO.Path.GetTempPath() && Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
        ClearScratch();

        ChainState chain;
        ChainBlock? pending = null;
        bool created = !store.IsInitialized;
        if (created)
        {
            // The import's share of the progress: the genesis's share of the file.
            double genesisShare = reader.StreamLength > 0 ? (double)reader.Offset / reader.StreamLength : 0;
            double importSteps = 2.0 * Math.Max(1, start.GenesisCount);
            Action<long>? importProgress = progress is null || genesisShare <= 0 ? null : handled => progress(Math.Min(1.0, genesisShare * handled / importSteps));
            pending = reader.ReadNext();
            long genesisNumber = pending is null ? 0 : pending.Number - 1;
            try
            {
                chain = ChainState.Import(store, start.GenesisEntries(), scratch, genesisNumber, stateOptions, genesisDigest: start.GenesisDigest,
                    cancellationToken: cancellationToken, progress: importProgress);
            }
            finally
            {
                ClearScratch(); // also when the import fails or is cancelled: the store is then left marked as an interrupted creation
            }
        }
        else
        {
            chain = ChainState.Open(store, stateOptions);
            StoredChainMatch.CheckGenesis(store, start, scratch);
        }
        ClearScratch(); // the runs are merged by now (an import killed midway leaves it to the next run's clearing above)
        var openTime = total.Elapsed;
        var startHead = chain.Head;
        if (startHead.Number > options.LastBlock)
            throw new StateStoreException(StateStoreError.Mismatch, $"the database is at block {startHead.Number}, past the last block to replay ({options.LastBlock})");

        using var parallel = options.Sequential ? null : new ParallelExecutor(options.Workers);
        IBlockExecutor executor = parallel is null ? new SequentialExecutor() : parallel;
        // A replay applies and commits each block's changes; the touched keys would be a copy nobody
        // reads, but for a witness, which is made of them.
        var execOptions = new ExecutionOptions
        {
            RecordDependencies = options.RecordDependencies, RecordAccessList = options.RecordAccessList, RecordTouchedKeys = options.Witnesses,
        };
        chain.BuildWitnesses = options.Witnesses;
        long length = reader.StreamLength;
        long blocks = 0, skipped = 0, txs = 0, nodes = 0, reexec = 0, verified = 0, unrecorded = 0, listRoots = 0;
        long lastInFile = store.Genesis.Number;
        TimeSpan execute = default, apply = default, root = default, commit = default;
        // Read on the pipeline's read stage, while the blocks before are being executed, hashed and committed.
        IEnumerable<(ChainBlock, PipelineBlock)> Blocks()
        {
            while ((pending ?? reader.ReadNext()) is { } block && !(block.Number > options.LastBlock))
            {
                cancellationToken.ThrowIfCancellationRequested();
                pending = null;
                lastInFile = block.Number;
                if (block.Number <= startHead.Number)
                {
                    StoredChainMatch.CheckBlock(store, block, registry);
                    skipped++;
                    continue;
                }
                yield return (block, PipelineBlock.FromChain(block, BlockHash.Compute(block, registry), options, execOptions));
            }
        }

        void Count(CommittedBlock result, ChainBlock block)
        {
            execute += result.Execute;
            apply += result.Apply;
            root += result.Root;
            commit += result.Commit;
            reexec += result.Result.Stats.Reexecutions;
            if (result.ListRoot == ListRootOutcome.Used) listRoots++;
            if (!block.HasExpectedRoot) unrecorded++;
            else if (block.ExpectedRoot.Equals(result.Block.StateRoot)) verified++;
        }

        var pipeline = new ChainPipeline(chain, executor, options.Pipeline) { RecycleResults = true, RootFromAccessList = !options.Witnesses };
        ChainFileRun.Outcome outcome;
        try
        {
            outcome = ChainFileRun.Run(pipeline, Blocks(), (result, block) =>
            {
                Count(result, block);
                blocks++;
                txs += block.Transactions.Count;
                nodes += result.TrieNodes;
                onBlock?.Invoke(result);
                onChainBlock?.Invoke(result, block);
                if (progress is not null && length > 0) progress(Math.Min(1.0, (double)reader.Offset / length));
            }, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped at a block boundary: leave the head a checkpoint, so opening the store is instant.
            chain.Checkpoint();
            throw;
        }
        // A chain that ends between checkpoints: the same.
        chain.Checkpoint();
        if (outcome.Rejected is { } rejected) Count(rejected, outcome.RejectedBlock!);
        var mismatch = outcome.Mismatch(chain.Store);
        if (mismatch is null && lastInFile < chain.Head.Number)
            throw new StateStoreException(StateStoreError.Mismatch,
                $"the database is at block {chain.Head.Number}, past the end of the chain file (block {lastInFile})");
        return new StoredReplayReport
        {
            Executor = executor.Name, Workers = executor.Workers, Created = created, StartHead = startHead, Head = chain.Head,
            SkippedBlocks = skipped, Blocks = blocks, Transactions = txs, TrieNodes = nodes, Reexecutions = reexec,
            VerifiedBlocks = verified, UnrecordedBlocks = unrecorded, ListRoots = listRoots, Open = openTime,
            WarmedNodes = chain.WarmedNodes, WarmedBytes = chain.WarmedBytes, WarmedInnerNodesOnly = chain.WarmedInnerNodesOnly, Warm = chain.WarmTime,
            CachedAccounts = chain.CachedAccounts, AccountCacheBytes = chain.AccountCacheBytes, AccountCacheWarm = chain.AccountCacheWarmTime, AccountCacheHits = store.AccountCacheHits,
            Evictions = chain.Evictions, BudgetCheckpoints = chain.BudgetCheckpoints, BuiltTrieLeaves = chain.BuiltTrieLeaves, BuiltSlotLeaves = chain.BuiltSlotLeaves,
            TrieNodeReads = chain.TrieLoadedNodes, TrieNodeReadBytes = chain.TrieLoadedBytes,
            Execute = execute, Apply = apply, Root = root, Commit = commit, Total = total.Elapsed,
            Pipelined = pipeline.Overlap, Waiting = pipeline.Waiting, BlocksElapsed = outcome.Elapsed, BlocksCpu = outcome.Cpu, BlocksCollector = outcome.Collector,
            GenesisRoot = store.Genesis.StateRoot, Mismatch = mismatch,
        };
    }
}
