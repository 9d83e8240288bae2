using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// <c>bench --store</c>: the end-to-end path a node runs — execute, update the state trie, compute
/// the root and commit each block atomically, in the three-stage pipeline (<see cref="ChainPipeline"/>)
/// — on a fresh store per run: in memory, or a RocksDB database in a temporary folder that is deleted
/// afterwards. Runs are interleaved round-robin over the executors after untimed warm-up runs (about
/// a second each); the median is reported. Only the blocks are timed (the genesis is written before the clock starts).
/// Every block's state root must equal the sequential executor's, or the run fails. Cancelled, a run
/// stops between blocks and its database is deleted all the same; databases left by a process that was
/// killed are deleted by the next run in the same folder.
/// </summary>
public sealed class StoreBenchRunner(BenchSettings settings, StoreKind store, ChainStateOptions stateOptions, string? parentFolder)
{
    private const string FolderPrefix = "parallelexec-bench-";

    public IEnumerable<StoreBenchRow> Run(Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (store == StoreKind.RocksDb) DeleteAbandonedDatabases(parentFolder ?? Path.GetTempPath());
        foreach (var kind in settings.Workloads)
        {
            string name = kind.ToString().ToLowerInvariant();
            progress?.Invoke($"{name}: generating");
            var workload = WorkloadGenerator.Generate(settings.Chain with { Kind = kind });
            var blocks = new PipelineBlock[workload.Blocks.Length];
            var options = new ExecutionOptions { Speculation = settings.Speculation };
            for (int b = 0; b < blocks.Length; b++) blocks[b] = new PipelineBlock(workload.Blocks[b], default, options);
            var executors = settings.CreateExecutors();
            try
            {
                var runs = new List<StoreRun>[executors.Count];
                for (int e = 0; e < executors.Count; e++) runs[e] = [];
                Hash256[]? reference = null;
                for (int e = 0; e < executors.Count; e++)
                {
                    // Until the JIT has tiered up the hot paths: at least one run and about a second
                    // (genesis included: with a large state one run is plenty, and each costs its genesis).
                    progress?.Invoke($"{name}: warming up {BenchRunner.Describe(executors[e])}");
                    long warmStart = Stopwatch.GetTimestamp();
                    do
                    {
                        var run = RunOnce(executors[e], workload, blocks, cancellationToken);
                        reference ??= run.Roots;
                        CheckRoots(executors[e], workload, run.Roots, reference);
                    } while (Stopwatch.GetElapsedTime(warmStart) < BenchRunner.WarmUpTime);
                }
                for (int r = 0; r < settings.Runs; r++)
                {
                    for (int e = 0; e < executors.Count; e++)
                    {
                        progress?.Invoke($"{name}: run {r + 1}/{settings.Runs}, {BenchRunner.Describe(executors[e])}");
                        var run = RunOnce(executors[e], workload, blocks, cancellationToken);
                        CheckRoots(executors[e], workload, run.Roots, reference!);
                        runs[e].Add(run);
                    }
                }
                double baseline = MedianTps(runs[0], workload.TransactionCount);
                for (int e = 0; e < executors.Count; e++)
                {
                    double tps = MedianTps(runs[e], workload.TransactionCount);
                    yield return new StoreBenchRow(name, store, settings.Chain.Accounts, executors[e].Name, executors[e].Workers,
                        workload.TransactionCount, workload.Blocks.Length, tps, tps / baseline,
                        CpuMicrosecondsPerTx: BenchRunner.Median(runs[e].ConvertAll(x => x.Cpu.TotalMicroseconds)) / workload.TransactionCount,
                        ExecuteMs: BenchRunner.Median(runs[e].ConvertAll(x => x.Execute.TotalMilliseconds)),
                        RootMs: BenchRunner.Median(runs[e].ConvertAll(x => (x.Apply + x.Root).TotalMilliseconds)),
                        CommitMs: BenchRunner.Median(runs[e].ConvertAll(x => x.Commit.TotalMilliseconds)),
                        WaitingMs: BenchRunner.Median(runs[e].ConvertAll(x => x.Waiting.TotalMilliseconds)),
                        Reexecutions: (long)BenchRunner.Median(runs[e].ConvertAll(x => (double)x.Reexecutions)),
                        TrieNodes: runs[e][0].TrieNodes, StateRoot: reference![^1].ToString());
                }
            }
            finally
            {
                foreach (var executor in executors) (executor as IDisposable)?.Dispose();
            }
        }
    }

    private sealed record StoreRun(Hash256[] Roots, TimeSpan Elapsed, TimeSpan Cpu, TimeSpan Execute, TimeSpan Apply, TimeSpan Root,
        TimeSpan Commit, TimeSpan Waiting, long Reexecutions, long TrieNodes);

    /// <summary>Deletes the temporary databases of bench processes that no longer run (killed before they could).</summary>
    private static void DeleteAbandonedDatabases(string parent)
    {
        if (!Directory.Exists(parent)) return;
        foreach (var folder in Directory.EnumerateDirectories(parent, FolderPrefix + "*"))
        {
            var name = Path.GetFileName(folder).AsSpan(FolderPrefix.Length);
            int dash = name.IndexOf('-');
            if (dash <= 0 || !int.TryParse(name[..dash], out int pid) || IsRunning(pid)) continue;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's, or in use: leave it.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private StoreRun RunOnce(IBlockExecutor executor, Workload workload, PipelineBlock[] blocks, CancellationToken cancellationToken)
    {
        string? folder = store == StoreKind.RocksDb
            ? Path.Combine(parentFolder ?? Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}")
            : null;
        try
        {
            using var stateStore = folder is null
                ? (IStateStore)new InMemoryStateStore()
                : RocksDbStateStore.Open(folder, new RocksDbStoreOptions { CreateIfMissing = true });
            var chain = ChainState.Create(stateStore, workload.Genesis.Entries, options: stateOptions);
            var pipeline = new ChainPipeline(chain, executor);
            var roots = new Hash256[blocks.Length];
            TimeSpan execute = default, apply = default, root = default, commit = default;
            long reexecutions = 0, nodes = 0;
            int next = 0;
            // The setup (genesis, the previous run's garbage) is collected here, not inside the timed blocks.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            long started = Stopwatch.GetTimestamp();
            var cpuStarted = Environment.CpuUsage.TotalTime;
            var rejected = pipeline.Run(Until(blocks, cancellationToken), done =>
            {
                roots[next++] = done.Block.StateRoot;
                execute += done.Execute;
                apply += done.Apply;
                root += done.Root;
                commit += done.Commit;
                reexecutions += done.Result.Stats.Reexecutions;
                nodes += done.TrieNodes;
            });
            var cpu = Environment.CpuUsage.TotalTime - cpuStarted;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (rejected is not null || next != blocks.Length)
                throw new BenchRunner.MismatchException($"{BenchRunner.Describe(executor)} committed {next} of {blocks.Length} blocks");
            return new StoreRun(roots, elapsed, cpu, execute, apply, root, commit, pipeline.Waiting, reexecutions, nodes);
        }
        finally
        {
            if (folder is not null && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    // The blocks, read by the pipeline one at a time: a cancellation stops the run at the next block boundary.
    private static IEnumerable<PipelineBlock> Until(PipelineBlock[] blocks, CancellationToken cancellationToken)
    {
        foreach (var block in blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return block;
        }
    }

    private static void CheckRoots(IBlockExecutor executor, Workload workload, Hash256[] roots, Hash256[] reference)
    {
        for (int b = 0; b < roots.Length; b++)
        {
            if (!roots[b].Equals(reference[b]))
                throw new BenchRunner.MismatchException(
                    $"{BenchRunner.Describe(executor)} differs from sequential at block {workload.Blocks[b].Header.Number}: root {roots[b]} vs {reference[b]}");
        }
    }

    private static double MedianTps(List<StoreRun> runs, long transactions) =>
        transactions / BenchRunner.Median(runs.ConvertAll(x => x.Elapsed.TotalSeconds));
}
