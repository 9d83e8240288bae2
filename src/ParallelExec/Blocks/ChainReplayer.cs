using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Storage;
using ParallelExec.Trie;

namespace ParallelExec.Blocks;

/// <summary>
/// Executes a chain file from its embedded genesis, block by block, in memory: execute, apply the
/// changes to the state and the state trie, compute the root, and (with <see cref="ReplayOptions.Verify"/>)
/// compare it with the recorded root, stopping at the first mismatch. A recorded dependency graph is
/// used as scheduling hints only (a wrong or hostile graph costs speed, never exactness). With
/// <see cref="ReplayOptions.Pipeline"/> (the default) block N+1 executes while block N is hashed on
/// another thread, over the state overlaid with N's changes (<see cref="OverlayStateReader"/>): the
/// results are the same, and nothing after a mismatching block is reported.
/// </summary>
public static class ChainReplayer
{
    /// <summary>Replays a chain file. <paramref name="onBlock"/> sees every block after its root is computed.</summary>
    public static ReplayReport Replay(string path, ReplayOptions options, TransactionCodecRegistry? registry = null,
        Action<BlockReplay>? onBlock = null, Action<double>? progress = null)
    {
        using var reader = ChainReader.Open(path, registry);
        return Replay(reader, options, onBlock, progress);
    }

    /// <summary>Replays the blocks of an open reader (from its current position).</summary>
    public static ReplayReport Replay(ChainReader reader, ReplayOptions options, Action<BlockReplay>? onBlock = null, Action<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        if (reader.Start.Kind != ChainStartKind.Genesis)
            throw new NotSupportedException($"the chain starts from parent state root {reader.Start.ParentRoot}; replaying it needs that state from a database, which is not supported yet");
        var total = Stopwatch.StartNew();
        var state = reader.Start.Genesis!.Clone();
        var started = Stopwatch.GetTimestamp();
        var trie = StateTrie.FromState(state.Entries, options.RootParallelism);
        var genesisRoot = trie.ComputeRoot(options.RootParallelism);
        var genesisTime = Stopwatch.GetElapsedTime(started);

        using var parallel = options.Sequential ? null : new ParallelExecutor(options.Workers);
        IBlockExecutor executor = parallel is null ? new SequentialExecutor() : parallel;
        var execOptions = new ExecutionOptions { RecordDependencies = options.RecordDependencies };
        long length = reader.StreamLength;
        long blocks = 0, txs = 0, reexec = 0, validation = 0, fallbacks = 0, verified = 0, unrecorded = 0;
        TimeSpan execute = default, apply = default, rootTime = default;
        Hash256 root = genesisRoot;
        RootMismatch? mismatch = null;

        // Applies an executed block to the trie and hashes it: the only code that touches the trie.
        // Hashing keeps all its threads even pipelined: in memory a block executes in a fraction of the
        // time its root takes, so the executor's cores are mostly free (unlike ChainPipeline's stage;
        // see docs/performance.md).
        (Hash256 Root, TimeSpan Apply, TimeSpan Hashing) Hash(BlockResult result)
        {
            var t1 = Stopwatch.GetTimestamp();
            trie.Apply(result.Changes);
            var t2 = Stopwatch.GetTimestamp();
            var hashed = trie.ComputeRoot(options.RootParallelism);
            return (hashed, Stopwatch.GetElapsedTime(t1, t2), Stopwatch.GetElapsedTime(t2));
        }

        // Takes a hashed block's root, verifies it and moves the state on; false stops the replay.
        bool Complete(Pending done)
        {
            var (blockRoot, applyTime, hashTime) = done.Hashing.GetAwaiter().GetResult();
            var block = done.Block;
            var result = done.Result;
            root = blockRoot;
            var replay = new BlockReplay(block, result, root, done.Execute, applyTime, hashTime);
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
            else if (options.Verify)
                mismatch = new RootMismatch(block.Number, block.ExpectedRoot, root, RootMismatch.Diagnose(block.Block, state, result));
            // The state moves on only now: a mismatch is diagnosed over the block's starting state.
            var t4 = Stopwatch.GetTimestamp();
            state.Apply(result.Changes);
            apply += Stopwatch.GetElapsedTime(t4);
            onBlock?.Invoke(replay);
            if (progress is not null && length > 0) progress(Math.Min(1.0, (double)reader.Offset / length));
            return mismatch is null;
        }

        // Pipelined, block N+1 executes over the state overlaid with block N's changes while N is
        // hashed on another thread; the state itself changes only between executions.
        Pending? pending = null;
        var blocksStarted = Stopwatch.GetTimestamp();
        var cpuStarted = Environment.CpuUsage.TotalTime;
        while (true)
        {
            ChainBlock? block;
            BlockResult result;
            TimeSpan executeTime;
            try
            {
                block = reader.ReadNext();
                if (block is null) break;
                IStateReader view = pending?.View ?? (IStateReader)state;
                started = Stopwatch.GetTimestamp();
                result = executor.Execute(block.Block, view,
                    options.UseRecordedDependencies && block.Dependencies is { } recorded ? execOptions with { DependencyHints = recorded } : execOptions);
                executeTime = Stopwatch.GetElapsedTime(started);
            }
            catch
            {
                // As sequentially, the block before is finished first; a mismatch there ends the replay normally.
                if (pending is not null && !Complete(pending)) break;
                throw;
            }
            if (pending is not null)
            {
                bool go = Complete(pending);
                pending = null;
                if (!go) break; // the block just executed is discarded
            }
            if (!options.Pipeline)
            {
                if (!Complete(new Pending(block, result, executeTime, Task.FromResult(Hash(result)), null))) break;
                continue;
            }
            var hashing = Task.Factory.StartNew(() => Hash(result), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            pending = new Pending(block, result, executeTime, hashing, new OverlayStateReader(state, result.Changes));
        }
        if (pending is not null) Complete(pending);
        var blocksElapsed = Stopwatch.GetElapsedTime(blocksStarted);
        var blocksCpu = Environment.CpuUsage.TotalTime - cpuStarted;
        return new ReplayReport
        {
            Executor = executor.Name, Workers = executor.Workers, Blocks = blocks, Transactions = txs,
            Reexecutions = reexec, ValidationFailures = validation, SequentialFallbacks = fallbacks,
            VerifiedBlocks = verified, UnrecordedBlocks = unrecorded,
            Execute = execute, Apply = apply, Root = rootTime, Genesis = genesisTime, Total = total.Elapsed,
            GenesisRoot = genesisRoot, FinalRoot = root, Mismatch = mismatch,
            Pipelined = options.Pipeline, BlocksElapsed = blocksElapsed, BlocksCpu = blocksCpu,
        };
    }

    /// <summary>An executed block being hashed, and the state after it as the next block reads it.</summary>
    private sealed record Pending(ChainBlock Block, BlockResult Result, TimeSpan Execute,
        Task<(Hash256 Root, TimeSpan Apply, TimeSpan Hashing)> Hashing, OverlayStateReader? View);
}
