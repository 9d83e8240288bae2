using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
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
/// Every block's state root must equal the sequential executor's, or the run fails. With access lists
/// (<see cref="BenchSettings.AccessLists"/>), each worker count above 1 also runs with every block's list
/// (recorded beforehand by a sequential run, not timed; handed over as RLP with its hash, as a node
/// receives it, so decoding is timed): once with the root hashed from the list beside execution, once
/// with the root computed after it; a block that did not run on the list's path, or whose root beside
/// execution did not stand, fails the run. Cancelled, a run
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
            var options = new ExecutionOptions { Speculation = settings.Speculation, RecordTouchedKeys = false }; // as a replay runs
            for (int b = 0; b < blocks.Length; b++) blocks[b] = new PipelineBlock(workload.Blocks[b], default, options);
            if (settings.AccessLists) progress?.Invoke($"{name}: recording access lists");
            var executors = Configurations(settings, blocks, settings.AccessLists ? ListedExecutor.Record(workload) : null);
            try
            {
                var runs = new List<StoreRun>[executors.Count];
                for (int e = 0; e < executors.Count; e++) runs[e] = [];
                Hash256[]? reference = null;
                for (int e = 0; e < executors.Count; e++)
                {
                    // Until the JIT has tiered up the hot paths: at least one run and about a second
                    // (genesis included: with a large state one run is plenty, and each costs its genesis).
                    progress?.Invoke($"{name}: warming up {executors[e]}");
                    long warmStart = Stopwatch.GetTimestamp();
                    do
                    {
                        var run = RunOnce(executors[e], workload, cancellationToken);
                        reference ??= run.Roots;
                        CheckRoots(executors[e], workload, run.Roots, reference);
                    } while (Stopwatch.GetElapsedTime(warmStart) < BenchRunner.WarmUpTime);
                }
                for (int r = 0; r < settings.Runs; r++)
                {
                    for (int e = 0; e < executors.Count; e++)
                    {
                        progress?.Invoke($"{name}: run {r + 1}/{settings.Runs}, {executors[e]}");
                        var run = RunOnce(executors[e], workload, cancellationToken);
                        CheckRoots(executors[e], workload, run.Roots, reference!);
                        runs[e].Add(run);
                    }
                }
                double baseline = MedianTps(runs[0], workload.TransactionCount);
                for (int e = 0; e < executors.Count; e++)
                {
                    double tps = MedianTps(runs[e], workload.TransactionCount);
                    yield return new StoreBenchRow(name, store, settings.Chain.Accounts, executors[e].Name, executors[e].Executor.Workers,
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
                foreach (var executor in executors) (executor.Executor as IDisposable)?.Dispose();
            }
        }
    }

    /// <summary>An executor and the blocks it is handed (with their access lists or without), and whether roots are hashed from the lists beside execution.</summary>
    private sealed record Configuration(string Name, IBlockExecutor Executor, PipelineBlock[] Blocks, bool RootFromAccessList)
    {
        public bool Listed => Blocks.Length > 0 && Blocks[0].Options?.AccessList is not null;

        public override string ToString() => $"{Name} x{Executor.Workers}";
    }

    /// <summary>Executor names in reports of the runs with access lists: the root hashed from the list beside execution, or after it.</summary>
    public const string ListedName = "parallel+bal", ListedRootAfterName = "parallel+bal, root after";

    private static List<Configuration> Configurations(BenchSettings settings, PipelineBlock[] blocks, Dictionary<long, AccessLists.BlockAccessList>? lists)
    {
        var configurations = settings.CreateExecutors().ConvertAll(e => new Configuration(e.Name, e, blocks, RootFromAccessList: false));
        if (lists is null) return configurations;
        var listed = new PipelineBlock[blocks.Length];
        for (int b = 0; b < blocks.Length; b++)
        {
            var rlp = lists[blocks[b].Block.Header.Number].Encode();
            var input = AccessLists.AccessListInput.FromRlp(rlp, Crypto.Keccak256.Compute(rlp));
            listed[b] = blocks[b] with { Options = blocks[b].Options! with { AccessList = input } };
        }
        foreach (int w in settings.Workers)
        {
            if (w < 2) continue;
            configurations.Add(new Configuration(ListedName, new ParallelExecutor(w), listed, RootFromAccessList: true));
            configurations.Add(new Configuration(ListedRootAfterName, new ParallelExecutor(w), listed, RootFromAccessList: false));
        }
        return configurations;
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

    private StoreRun RunOnce(Configuration configuration, Workload workload, CancellationToken cancellationToken)
    {
        var blocks = configuration.Blocks;
        string? folder = store == StoreKind.RocksDb
            ? Path.Combine(parentFolder ?? Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}")
            : null;
        try
        {
            using var stateStore = folder is null
                ? (IStateStore)new InMemoryStateStore()
                : RocksDbStateStore.Open(folder, new RocksDbStoreOptions { CreateIfMissing = true });
            var chain = ChainState.Create(stateStore, workload.Genesis.Entries, options: stateOptions);
            var pipeline = new ChainPipeline(chain, configuration.Executor) { RootFromAccessList = configuration.RootFromAccessList, RecycleResults = true };
            var roots = new Hash256[blocks.Length];
            TimeSpan execute = default, apply = default, root = default, commit = default;
            long reexecutions = 0, nodes = 0;
            int next = 0;
            // The setup (genesis, the previous run's garbage) is collected here, not inside the timed blocks.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            long started = Stopwatch.GetTimestamp();
            var cpuStarted = Environment.CpuUsage.TotalTime;
            string? offPath = null;
            var rejected = pipeline.Run(Until(blocks, cancellationToken), done =>
            {
                if (configuration.Listed) offPath ??= OffPath(configuration, done);
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
                throw new BenchRunner.MismatchException($"{configuration} committed {next} of {blocks.Length} blocks");
            if (offPath is not null) throw new InvalidOperationException($"{configuration}: {offPath}");
            return new StoreRun(roots, elapsed, cpu, execute, apply, root, commit, pipeline.Waiting, reexecutions, nodes);
        }
        finally
        {
            if (folder is not null && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    // A run with lists measures their path only if every block took it, and (beside execution) kept its root.
    private static string? OffPath(Configuration configuration, CommittedBlock done)
    {
        var stats = done.Result.Stats;
        if (stats.AccessList != AccessLists.AccessListOutcome.Used)
            return $"block {done.Block.Number} did not run on the access-list path ({stats.AccessListProblem})";
        if (configuration.RootFromAccessList && done.ListRoot != ListRootOutcome.Used)
            return $"block {done.Block.Number}'s root hashed beside execution did not stand ({done.ListRoot})";
        return null;
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

    private static void CheckRoots(Configuration configuration, Workload workload, Hash256[] roots, Hash256[] reference)
    {
        for (int b = 0; b < roots.Length; b++)
        {
            if (!roots[b].Equals(reference[b]))
                throw new BenchRunner.MismatchException(
                    $"{configuration} differs from sequential at block {workload.Blocks[b].Header.Number}: root {roots[b]} vs {reference[b]}");
        }
    }

    private static double MedianTps(List<StoreRun> runs, long transactions) =>
        transactions / BenchRunner.Median(runs.ConvertAll(x => x.Elapsed.TotalSeconds));
}
