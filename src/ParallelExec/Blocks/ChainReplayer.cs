using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Storage;

namespace ParallelExec.Blocks;

/// <summary>
/// Executes a chain file from its embedded genesis, block by block, in memory: execute, apply the
/// changes to the state and the state trie, compute the root, and (with <see cref="ReplayOptions.Verify"/>)
/// compare it with the recorded root, stopping at the first mismatch. A recorded dependency graph is
/// used as scheduling hints only (a wrong or hostile graph costs speed, never exactness). The blocks
/// run through the same <see cref="ChainPipeline"/> as a replay into a database, over an
/// <see cref="InMemoryStateStore"/> that keeps no journal and no trie nodes: with
/// <see cref="ReplayOptions.Pipeline"/> (the default) block N+1 executes while block N is hashed on
/// another thread; the results are the same, and nothing after a mismatching block is reported.
/// A cancellation stops the replay at a block boundary: a block whose root is computed is still
/// reported, blocks executing are dropped, then <see cref="OperationCanceledException"/> is thrown.
/// </summary>
public static class ChainReplayer
{
    /// <summary>
    /// Replays a chain file. <paramref name="onBlock"/> sees every block after its root is computed; a
    /// block's <see cref="BlockResult.Receipts"/> and <see cref="BlockResult.Changes"/> are readable only
    /// during that call (the replay reuses their memory: <see cref="ChainPipeline.RecycleResults"/>).
    /// </summary>
    public static ReplayReport Replay(string path, ReplayOptions options, TransactionCodecRegistry? registry = null,
        Action<BlockReplay>? onBlock = null, Action<double>? progress = null, CancellationToken cancellationToken = default)
    {
        using var reader = ChainReader.Open(path, registry, new ChainReaderOptions { DecodeAccessLists = options.UseAccessLists }); // read only to run with them
        return Replay(reader, options, onBlock, progress, cancellationToken);
    }

    /// <summary>
    /// Replays the blocks of an open reader (from its current position). <paramref name="onBlock"/> sees
    /// every block after its root is computed, in order, the mismatching one included (receipts and
    /// changes readable only during the call, as above, but the mismatching block's).
    /// </summary>
    public static ReplayReport Replay(ChainReader reader, ReplayOptions options, Action<BlockReplay>? onBlock = null, Action<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        if (reader.Start.Kind != ChainStartKind.Genesis)
            throw new NotSupportedException($"the chain starts from parent state root {reader.Start.ParentRoot}; replaying it needs that state from a database, which is not supported yet");
        var total = Stopwatch.StartNew();
        // The store numbers its genesis state as the block before the first one.
        var first = reader.ReadNext();
        using var store = new InMemoryStateStore(journalRetention: 0, keepTrieNodes: false);
        var stateOptions = new ChainStateOptions { RootParallelism = options.RootParallelism, PersistTrieNodes = false };
        var chain = ChainState.Create(store, reader.Start.Genesis!.Entries, first is null ? 0 : first.Number - 1, stateOptions);

        using var parallel = options.Sequential ? null : new ParallelExecutor(options.Workers);
        IBlockExecutor executor = parallel is null ? new SequentialExecutor() : parallel;
        // A replay applies and commits each block's changes; the touched keys would be a copy nobody reads.
        var execOptions = new ExecutionOptions
        {
            RecordDependencies = options.RecordDependencies, RecordAccessList = options.RecordAccessList, RecordTouchedKeys = false,
        };
        long length = reader.StreamLength;
        long blocks = 0, txs = 0, reexec = 0, validation = 0, fallbacks = 0, verified = 0, unrecorded = 0;
        TimeSpan execute = default, apply = default, rootTime = default;
        Hash256 root = store.Genesis.StateRoot;

        // Read on the pipeline's read stage, while the blocks before are being executed and hashed.
        IEnumerable<(ChainBlock, PipelineBlock)> Blocks()
        {
            // In memory no block record outlives the replay, so no block hash is computed.
            for (var block = first; block is not null && !(block.Number > options.LastBlock); block = reader.ReadNext())
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return (block, PipelineBlock.FromChain(block, default, options, execOptions));
            }
        }

        // Counts a block whose root was computed (committed, or rejected at a mismatch) and reports it.
        void Report(CommittedBlock done, ChainBlock block)
        {
            var result = done.Result;
            root = done.Block.StateRoot;
            // Applying covers the trie and the state (the store's commit).
            var replay = new BlockReplay(block, result, root, done.Execute, done.Apply + done.Commit, done.Root);
            execute += replay.Execute;
            apply += replay.Apply;
            rootTime += replay.RootTime;
            blocks++;
            txs += block.Transactions.Count;
            reexec += result.Stats.Reexecutions;
            validation += result.Stats.ValidationFailures;
            fallbacks += result.Stats.SequentialFallbacks;
            if (!block.HasExpectedRoot) unrecorded++;
            else if (block.ExpectedRoot.Equals(root)) verified++;
            onBlock?.Invoke(replay);
            if (progress is not null && length > 0) progress(Math.Min(1.0, (double)reader.Offset / length));
        }

        // In memory a block executes in a fraction of the time its root takes, so hashing keeps all its
        // threads even pipelined (unlike the stage over RocksDB; see docs/performance.md).
        var pipeline = new ChainPipeline(chain, executor, options.Pipeline, options.RootParallelism) { RecycleResults = true };
        var outcome = ChainFileRun.Run(pipeline, Blocks(), Report, cancellationToken);
        var mismatch = outcome.Mismatch(store);
        if (outcome.Rejected is { } rejected) Report(rejected, outcome.RejectedBlock!);
        return new ReplayReport
        {
            Executor = executor.Name, Workers = executor.Workers, Blocks = blocks, Transactions = txs,
            Reexecutions = reexec, ValidationFailures = validation, SequentialFallbacks = fallbacks,
            VerifiedBlocks = verified, UnrecordedBlocks = unrecorded,
            Execute = execute, Apply = apply, Root = rootTime, Genesis = chain.OpenTime, Total = total.Elapsed,
            GenesisRoot = store.Genesis.StateRoot, FinalRoot = root, Mismatch = mismatch,
            Pipelined = pipeline.Overlap, BlocksElapsed = outcome.Elapsed, BlocksCpu = outcome.Cpu, BlocksCollector = outcome.Collector,
        };
    }
}
