using System.CommandLine;
using System.Text.Json;
using ParallelExec.Cli.Benchmarking;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Metrics;
using ParallelExec.Storage;
using ParallelExec.Workloads;
using Spectre.Console;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec bench</c>: sequential vs parallel throughput on generated workloads.</summary>
public static class BenchCommand
{
    private static readonly string[] WorkloadNames = ["p2p", "token", "amm", "hot", "mixed", "all"];

    /// <summary>
    /// The default work per transaction: 22 Keccak-f[1600] permutations, about 10 µs on the reference
    /// 2-core machine, the order of a simple EVM transaction's execution (signature recovery alone costs
    /// more). Without it the built-in transactions cost about a microsecond, which measures the
    /// engine's own overhead rather than what it is for (<c>--work 0</c> still does).
    /// </summary>
    public const int DefaultWork = 22;

    public static Command Create()
    {
        var workload = new Option<string>("--workload") { Description = "Workload: p2p, token, amm, hot, mixed or all", DefaultValueFactory = _ => "all" };
        workload.AcceptOnlyFromAmong(WorkloadNames);
        var accounts = NumberOption.Int("--accounts", "Funded accounts in the generated state (checked against available memory)", 10_000, 2);
        var txs = NumberOption.Int("--txs", "Transactions per block (checked against available memory)", 10_000, 1);
        var blocks = NumberOption.Int("--blocks", "Blocks per run (checked against available memory)", 3, 1);
        var workers = new Option<string>("--workers")
        {
            Description = $"Comma-separated worker counts for the parallel executor (each from 1 to {WorkerCounts.Max})", DefaultValueFactory = _ => "1,2,4",
        };
        var seed = NumberOption.ULong("--seed", "Seed of the generated chain", 1UL);
        var work = NumberOption.Int("--work",
            $"Units of CPU work added to every transaction to model a VM's cost: one unit is one Keccak-f[1600] permutation, about 0.45 µs on the reference 2-core machine; the default {DefaultWork} ≈ 10 µs, a simple transaction's order; 0: the engine's own overhead on transactions of about a microsecond",
            DefaultWork, 0, 1_000_000);
        var noFees = new Option<bool>("--no-fees") { Description = "Gas price 0: no fee credited to the beneficiary" };
        var hints = new Option<string>("--hints") { Description = "Declared access hints: none, exact or unreliable", DefaultValueFactory = _ => "none" };
        hints.AcceptOnlyFromAmong("none", "exact", "unreliable");
        var speculation = new Option<string>("--speculation")
        {
            Description = "How parallel executors may speculate: adaptive (they decide per block), first (every block starts speculating) or in-order (every block runs in order on one worker)",
            DefaultValueFactory = _ => "adaptive",
        };
        speculation.AcceptOnlyFromAmong(BenchSettings.SpeculationNames);
        var bal = new Option<bool>("--bal")
        {
            Description = "Also run the parallel executor with each block's EIP-7928 access list (recorded beforehand by a sequential run, not timed) at each worker count above 1; "
                          + "with --store, once with the root hashed from the list while the block executes and once with the root computed after it",
        };
        var runs = NumberOption.Int("--runs", "Timed runs per configuration (the median is reported)", 3, 1, 1000);
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var sweep = new Option<bool>("--sweep")
        {
            Description = "Run the grid: each workload at 2, 10, 100, 1,000 and 10,000 accounts (contention) x workers (default 1,2,4,8); write a Markdown table, JSON and an SVG chart per workload under --out",
        };
        var output = new Option<string>("--out") { Description = "Folder for --sweep results", DefaultValueFactory = _ => "bench-results" };
        var store = new Option<string?>("--store")
        {
            Description = "Run end to end on a state store instead of executing alone: execute, update the trie, compute the root and commit every block (pipelined) "
                          + "into a fresh store per run: memory, or rocksdb (a database in a temporary folder, deleted afterwards)",
        };
        store.AcceptOnlyFromAmong("memory", "rocksdb");
        var nodeInterval = NumberOption.Int("--trie-node-interval",
            $"With --store: write the trie nodes every N blocks, more often while a checkpoint writes over {ChainStateOptions.DefaultCheckpointBytes >> 20} MiB (a checkpoint writes every node of its trie the store lacks; the blocks between write none)",
            ChainStateOptions.DefaultTrieNodeInterval, 1);
        var cacheMb = NumberOption.Int("--cache-mb",
            "With --store: memory for the state trie's clean nodes, the garbage collector's headroom over them included, in MiB (past it they are dropped and read again from the store when needed); 0: no limit",
            (int)(ChainStateOptions.DefaultTrieCacheBytes >> 20), 0);
        var db = new Option<DirectoryInfo?>("--db") { Description = "With --store rocksdb: an existing folder to create the temporary databases in (default: the system's temporary folder)" };

        var command = new Command("bench", "Run sequential and parallel executors on generated blocks, check the results match, report throughput");
        foreach (var option in new Option[] { workload, accounts, txs, blocks, workers, seed, work, noFees, hints, speculation, bal, runs, json, sweep, output, store, nodeInterval, cacheMb, db })
            command.Options.Add(option);

        command.SetInterruptibleAction((parse, cancellationToken) =>
        {
            try
            {
                return Execute(parse, cancellationToken);
            }
            catch (BenchRunner.MismatchException e)
            {
                throw new CommandFailedException($"RESULT MISMATCH: {e.Message}", 2);
            }
            catch (OperationCanceledException e) when (e is not CommandInterruptedException)
            {
                throw new CommandInterruptedException(parse.GetValue(store) == "rocksdb"
                    ? "stopped before the end, no results; its temporary databases were deleted"
                    : "stopped before the end, no results", e);
            }
        });
        return command;

        int Execute(ParseResult parse, CancellationToken cancellationToken)
        {
            bool isSweep = parse.GetValue(sweep);
            bool workersGiven = parse.GetResult(workers) is { Implicit: false };
            var settings = new BenchSettings
            {
                Workloads = ParseWorkloads(parse.GetValue(workload)!),
                Workers = WorkerCounts.ParseList(isSweep && !workersGiven ? "1,2,4,8" : parse.GetValue(workers)!, "--workers"),
                Chain = new WorkloadOptions
                {
                    Accounts = parse.GetValue(accounts),
                    TransactionsPerBlock = parse.GetValue(txs),
                    Blocks = parse.GetValue(blocks),
                    Seed = parse.GetValue(seed),
                    Work = parse.GetValue(work),
                    Fees = !parse.GetValue(noFees),
                    Hints = Enum.Parse<HintMode>(parse.GetValue(hints)!, ignoreCase: true),
                },
                Runs = parse.GetValue(runs),
                Speculation = BenchSettings.ParseSpeculation(parse.GetValue(speculation)!),
                AccessLists = parse.GetValue(bal),
            };
            if (settings.AccessLists && isSweep) throw new ArgumentException("--bal cannot be combined with --sweep");
            if (parse.GetValue(store) is { } storeName)
            {
                if (isSweep) throw new ArgumentException("--sweep runs the executors alone; it cannot be combined with --store");
                var kind = storeName == "rocksdb" ? StoreKind.RocksDb : StoreKind.Memory;
                var parent = parse.GetValue(db)?.FullName;
                if (kind != StoreKind.RocksDb && parent is not null) throw new ArgumentException("--db needs --store rocksdb");
                if (parent is not null) CheckParentFolder(parent);
                MemoryBudget.Check(settings.Chain, StoreBench.Estimate(settings), MemoryBudget.Available());
                var stateOptions = new ChainStateOptions { TrieNodeInterval = parse.GetValue(nodeInterval), TrieCacheBytes = (long)parse.GetValue(cacheMb) << 20 };
                return StoreBench.Run(settings, kind, stateOptions, parent, parse.GetValue(json), cancellationToken);
            }
            if (parse.GetValue(db) is not null) throw new ArgumentException("--db needs --store rocksdb");
            if (parse.GetResult(nodeInterval) is { Implicit: false }) throw new ArgumentException("--trie-node-interval needs --store");
            if (parse.GetResult(cacheMb) is { Implicit: false }) throw new ArgumentException("--cache-mb needs --store");
            MemoryBudget.Check(settings.Chain, Estimate(settings, isSweep ? SweepAccounts[^1] : null), MemoryBudget.Available());
            return isSweep ? Sweep(settings, parse.GetValue(output)!, cancellationToken) : Run(settings, parse.GetValue(json), cancellationToken);
        }
    }

    /// <summary>
    /// Memory of an executor bench: the genesis and a copy per executor (a round runs them block by block
    /// in turn); the machine's limit keeps a copy of
    /// every block's starting state per thread and one more (<see cref="ScalingLimit"/>); the transactions;
    /// each executor's working set, sized to a block. A sweep's largest account count decides.
    /// </summary>
    private static MemoryBudget.Estimate Estimate(BenchSettings settings, int? sweepAccounts)
    {
        int entries = MemoryBudget.EntriesPerAccount(settings.Chain, settings.Workloads);
        int limitThreads = settings.Workers.Where(w => w > 1).Select(ScalingLimit.ThreadsFor).DefaultIfEmpty(0).Max();
        int executors = 1 + settings.Workers.Count + (settings.AccessLists ? settings.Workers.Count(w => w > 1) : 0);
        return (accounts, txs, blocks) =>
            (sweepAccounts ?? accounts) * entries * MemoryBudget.BytesPerStateEntry * (1 + executors + blocks * (limitThreads > 0 ? 1 + limitThreads : 0))
            + txs * blocks * MemoryBudget.BytesPerTransaction
            + txs * executors * MemoryBudget.ExecutorBytesPerBlockTransaction;
    }

    /// <summary>The folder --db names must exist already: bench creates nothing but its temporary databases, and deletes them.</summary>
    private static void CheckParentFolder(string parent)
    {
        if (File.Exists(parent)) throw new ArgumentException($"--db {parent}: is a file, not a folder to create the temporary databases in");
        if (!Directory.Exists(parent)) throw new ArgumentException($"--db {parent}: no such folder (bench creates its temporary databases in an existing folder)");
    }

    private static int Run(BenchSettings settings, bool json, CancellationToken cancellationToken)
    {
        var machine = MachineInfo.Current();
        var runner = new BenchRunner(settings);
        var rows = CliProgress.Status("benchmarking", progress => runner.Run(progress, cancellationToken).ToList());
        foreach (var warning in runner.Warnings) Console.Error.WriteLine($"parallelexec bench: warning: {warning}");
        if (json)
        {
            var document = new
            {
                machine = machine.ToJson(),
                settings = settings.ToJson(withAccounts: true),
                warnings = runner.Warnings,
                runs = rows.Select(r => new
                {
                    workload = r.Workload, executor = r.Executor, workers = r.Workers, txs = r.Txs, blocks = r.Blocks,
                    tps = Math.Round(r.Tps), speedup = Math.Round(r.Speedup, 3), reexecutions = r.Reexecutions,
                    fallbacks = r.Fallbacks, inOrder = r.InOrder, inOrderReason = r.InOrderReason, inOrderReasons = r.InOrderReasons,
                    stateRoot = r.StateRoot,
                    limit = r.Limit is { } l ? Math.Round(l.Speedup, 3) : (double?)null,
                    limitMachine = r.Limit is { } lm ? Math.Round(lm.Machine, 3) : (double?)null,
                    limitDependencies = r.Limit?.Dependencies is { } ld ? Math.Round(ld, 3) : (double?)null,
                    serialMicrosPerTx = r.SerialMicrosPerTx is { } us ? Math.Round(us, 3) : (double?)null,
                    runSpeedups = SpreadJson(r.RunSpeedups),
                    runShareOfLimit = SpreadJson(r.RunShareOfLimit),
                    rounds = r.Rounds?.Select(x => new
                    {
                        speedup = Math.Round(x.Speedup, 3), shareOfLimit = Math.Round(x.ShareOfLimit, 3), limit = Math.Round(x.Limit, 3),
                        serialMicrosPerTx = x.SerialMicrosPerTx is { } us ? Math.Round(us, 3) : (double?)null,
                        coreToCoreNs = CoreToCoreLatency.ForJson(x.CoreToCoreNs), coreToCoreAfterNs = CoreToCoreLatency.ForJson(x.CoreToCoreAfterNs),
                    }),
                }),
            };
            Console.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        var table = CliTable.Create("sequential vs parallel, median of runs",
            ("workload", false), ("executor", false), ("tx/s", true), ("speed-up", true), ("limit", true), ("re-runs", true), ("in order", true), ("why", false));
        foreach (var r in rows)
        {
            bool sequential = r.Limit is null;
            string executor = sequential ? r.Executor : $"{r.Workers} worker{(r.Workers == 1 ? "" : "s")}{(r.Executor == ListedExecutor.ExecutorName ? " +bal" : "")}";
            table.AddRow(r.Workload, executor, r.Tps.ToString("N0"),
                $"{r.Speedup:F2}x", r.Limit is { } l ? $"{l.Speedup:F2}x" : "-", r.Reexecutions.ToString("N0"), r.InOrder.ToString("N0"),
                sequential ? "-" : r.InOrderReason ?? "");
        }
        CliConsole.Out.Write(table);
        if (settings.Runs > 1)
            CliConsole.Prose("lowest run (its speed-up over the sequential run of the same round, and how long a cache line took between two cores then): " +
                             string.Join(", ", rows.Where(r => r.Rounds is { Count: > 0 }).Select(LowestRound)) + ".");
        CliConsole.Prose($"machine: {machine}");
        CliConsole.Prose($"{settings.Chain.Accounts:N0} accounts, {settings.Describe()}.");
        CliConsole.Prose($"limit: the ceiling for N workers, the smaller of the speed-up of N independent sequential runs at once on this machine " +
                         $"(at most min(N, {machine.Cores} cores)) and transactions / critical path of the blocks' dependency graphs. " +
                         "in order: transactions the committer ran itself (not speculated); why: " +
                         string.Join("; ", rows.Select(r => r.InOrderReason).OfType<string>().Distinct().Select(w => $"{w}: {InOrderReason.Meanings[w]}")) +
                         ". Every parallel result matched sequential." +
                         (settings.AccessLists ? " +bal: every block ran on the access-list path with its recorded list (each transaction once, checked against the list)." : ""));
        return 0;
    }

    private static string LowestRound(BenchRow row)
    {
        var lowest = row.Rounds!.MinBy(r => r.Speedup)!;
        return $"{row.Workload} x{row.Workers}{(row.Executor == ListedExecutor.ExecutorName ? " +bal" : "")} {lowest.Speedup:F2}x" +
               (lowest.CoreToCoreNs is { } ns ? $" ({ns:F0} ns)" : "");
    }

    private static object? SpreadJson(BenchSpread? spread) =>
        spread is { } s ? new { min = Math.Round(s.Min, 3), median = Math.Round(s.Median, 3), max = Math.Round(s.Max, 3) } : null;

    private static readonly int[] SweepAccounts = [2, 10, 100, 1_000, 10_000];

    private static int Sweep(BenchSettings settings, string directory, CancellationToken cancellationToken)
    {
        var machine = MachineInfo.Current();
        var rows = CliProgress.Status("sweep", progress =>
        {
            var all = new List<BenchRow>();
            foreach (var kind in settings.Workloads)
            {
                foreach (int accounts in SweepAccounts)
                {
                    progress?.Invoke($"{kind.ToString().ToLowerInvariant()}, {accounts:N0} accounts");
                    all.AddRange(new BenchRunner(settings with { Workloads = [kind], Chain = settings.Chain with { Accounts = accounts } }).Run(null, cancellationToken));
                }
            }
            return all;
        });
        try
        {
            foreach (var path in SweepReport.Write(directory, rows, settings, machine)) Console.WriteLine($"wrote {path}");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write the sweep results to {directory}: {e.Message}", e);
        }
    }

    private static IReadOnlyList<WorkloadKind> ParseWorkloads(string name) => name == "all"
        ? [WorkloadKind.P2p, WorkloadKind.Token, WorkloadKind.Amm, WorkloadKind.Hot, WorkloadKind.Mixed]
        : [Enum.Parse<WorkloadKind>(name, ignoreCase: true)];

}
