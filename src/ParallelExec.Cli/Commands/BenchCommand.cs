using System.CommandLine;
using System.Text.Json;
using ParallelExec.Cli.Benchmarking;
using ParallelExec.Storage;
using ParallelExec.Workloads;
using Spectre.Console;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec bench</c>: sequential vs parallel throughput on generated workloads.</summary>
public static class BenchCommand
{
    private static readonly string[] WorkloadNames = ["p2p", "token", "amm", "hot", "mixed", "all"];

    public static Command Create()
    {
        var workload = new Option<string>("--workload") { Description = "Workload: p2p, token, amm, hot, mixed or all", DefaultValueFactory = _ => "all" };
        workload.AcceptOnlyFromAmong(WorkloadNames);
        var accounts = new Option<int>("--accounts") { Description = "Funded accounts in the generated state", DefaultValueFactory = _ => 10_000 };
        var txs = new Option<int>("--txs") { Description = "Transactions per block", DefaultValueFactory = _ => 10_000 };
        var blocks = new Option<int>("--blocks") { Description = "Blocks per run", DefaultValueFactory = _ => 3 };
        var workers = new Option<string>("--workers") { Description = "Comma-separated worker counts for the parallel executor", DefaultValueFactory = _ => "1,2,4" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generated chain", DefaultValueFactory = _ => 1UL };
        var work = new Option<int>("--work")
        {
            Description = "Units of CPU work added to every transaction to model a VM's cost: one unit is one Keccak-f[1600] permutation, about 0.45 µs on the reference 2-core machine (22 units ≈ 10 µs)",
            DefaultValueFactory = _ => 0,
        };
        var noFees = new Option<bool>("--no-fees") { Description = "Gas price 0: no fee credited to the beneficiary" };
        var hints = new Option<string>("--hints") { Description = "Declared access hints: none, exact or unreliable", DefaultValueFactory = _ => "none" };
        hints.AcceptOnlyFromAmong("none", "exact", "unreliable");
        var speculation = new Option<string>("--speculation")
        {
            Description = "How parallel executors may speculate: adaptive (they decide per block), first (every block starts speculating) or in-order (every block runs in order on one worker)",
            DefaultValueFactory = _ => "adaptive",
        };
        speculation.AcceptOnlyFromAmong(BenchSettings.SpeculationNames);
        var runs = new Option<int>("--runs") { Description = "Timed runs per configuration (the median is reported)", DefaultValueFactory = _ => 3 };
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
        var nodeInterval = new Option<int>("--trie-node-interval")
        {
            Description = "With --store: write the trie nodes every N blocks (a checkpoint writes every node of its trie the store lacks; the blocks between write none)",
            DefaultValueFactory = _ => ChainStateOptions.DefaultTrieNodeInterval,
        };
        var db = new Option<DirectoryInfo?>("--db") { Description = "With --store rocksdb: the folder to create the temporary databases in (default: the system's temporary folder)" };

        var command = new Command("bench", "Run sequential and parallel executors on generated blocks, check the results match, report throughput");
        foreach (var option in new Option[] { workload, accounts, txs, blocks, workers, seed, work, noFees, hints, speculation, runs, json, sweep, output, store, nodeInterval, db })
            command.Options.Add(option);

        command.SetAction(parse =>
        {
            try
            {
                bool isSweep = parse.GetValue(sweep);
                bool workersGiven = parse.GetResult(workers) is { Implicit: false };
                var settings = new BenchSettings
                {
                    Workloads = ParseWorkloads(parse.GetValue(workload)!),
                    Workers = ParseWorkers(isSweep && !workersGiven ? "1,2,4,8" : parse.GetValue(workers)!),
                    Chain = new WorkloadOptions
                    {
                        Accounts = Positive(parse.GetValue(accounts), "--accounts", 2),
                        TransactionsPerBlock = Positive(parse.GetValue(txs), "--txs", 1),
                        Blocks = Positive(parse.GetValue(blocks), "--blocks", 1),
                        Seed = parse.GetValue(seed),
                        Work = Positive(parse.GetValue(work), "--work", 0),
                        Fees = !parse.GetValue(noFees),
                        Hints = Enum.Parse<HintMode>(parse.GetValue(hints)!, ignoreCase: true),
                    },
                    Runs = Positive(parse.GetValue(runs), "--runs", 1),
                    Speculation = BenchSettings.ParseSpeculation(parse.GetValue(speculation)!),
                };
                if (parse.GetValue(store) is { } storeName)
                {
                    if (isSweep) throw new ArgumentException("--sweep runs the executors alone; it cannot be combined with --store");
                    var kind = storeName == "rocksdb" ? StoreKind.RocksDb : StoreKind.Memory;
                    if (kind != StoreKind.RocksDb && parse.GetValue(db) is not null) throw new ArgumentException("--db needs --store rocksdb");
                    var stateOptions = new ChainStateOptions { TrieNodeInterval = Positive(parse.GetValue(nodeInterval), "--trie-node-interval", 1) };
                    return StoreBench.Run(settings, kind, stateOptions, parse.GetValue(db)?.FullName, parse.GetValue(json));
                }
                if (parse.GetValue(db) is not null) throw new ArgumentException("--db needs --store rocksdb");
                if (parse.GetResult(nodeInterval) is { Implicit: false }) throw new ArgumentException("--trie-node-interval needs --store");
                return isSweep ? Sweep(settings, parse.GetValue(output)!) : Run(settings, parse.GetValue(json));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"bench: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static int Run(BenchSettings settings, bool json)
    {
        var machine = MachineInfo.Current();
        var runner = new BenchRunner(settings);
        var rows = new List<BenchRow>();
        try
        {
            if (json)
            {
                rows.AddRange(runner.Run());
            }
            else
            {
                AnsiConsole.Status().Start("benchmarking", ctx =>
                {
                    foreach (var row in runner.Run(p => ctx.Status(p))) rows.Add(row);
                });
            }
        }
        catch (BenchRunner.MismatchException e)
        {
            Console.Error.WriteLine($"bench: RESULT MISMATCH: {e.Message}");
            return 2;
        }
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
                    fallbacks = r.Fallbacks, inOrder = r.InOrder, stateRoot = r.StateRoot,
                    limit = r.Limit is { } l ? Math.Round(l.Speedup, 3) : (double?)null,
                    limitMachine = r.Limit is { } lm ? Math.Round(lm.Machine, 3) : (double?)null,
                    limitDependencies = r.Limit?.Dependencies is { } ld ? Math.Round(ld, 3) : (double?)null,
                    serialMicrosPerTx = r.SerialMicrosPerTx is { } us ? Math.Round(us, 3) : (double?)null,
                }),
            };
            Console.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        var table = new Table().Title("sequential vs parallel (median of runs)")
            .AddColumns("workload", "executor", "workers", "tx/s", "speed-up", "limit", "re-executions", "fallbacks", "in order");
        foreach (var r in rows)
        {
            table.AddRow(r.Workload, r.Executor, r.Workers.ToString(), r.Tps.ToString("N0"),
                $"{r.Speedup:F2}x", r.Limit is { } l ? $"{l.Speedup:F2}x" : "-", r.Reexecutions.ToString("N0"), r.Fallbacks.ToString("N0"), r.InOrder.ToString("N0"));
        }
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 120); // files and pipes: no wrapping
        AnsiConsole.Write(table);
        Console.WriteLine($"machine: {machine}");
        Console.WriteLine($"{settings.Chain.Accounts} accounts, {settings.Describe()}; " +
                          $"\"limit\": the ceiling for N workers, the smaller of the speed-up of N independent sequential runs at once on this machine (at most min(N, {machine.Cores} cores)) " +
                          "and transactions / critical path of the blocks' dependency graphs; " +
                          "\"in order\": transactions the committer ran itself; every parallel result matched sequential");
        return 0;
    }

    private static readonly int[] SweepAccounts = [2, 10, 100, 1_000, 10_000];

    private static int Sweep(BenchSettings settings, string directory)
    {
        var machine = MachineInfo.Current();
        var rows = new List<BenchRow>();
        try
        {
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("sweep", maxValue: SweepAccounts.Length * settings.Workloads.Count);
                foreach (var kind in settings.Workloads)
                {
                    foreach (int accounts in SweepAccounts)
                    {
                        task.Description = $"{kind.ToString().ToLowerInvariant()}, {accounts:N0} accounts";
                        rows.AddRange(new BenchRunner(settings with { Workloads = [kind], Chain = settings.Chain with { Accounts = accounts } }).Run());
                        task.Increment(1);
                    }
                }
            });
        }
        catch (BenchRunner.MismatchException e)
        {
            Console.Error.WriteLine($"bench: RESULT MISMATCH: {e.Message}");
            return 2;
        }
        try
        {
            foreach (var path in SweepReport.Write(directory, rows, settings, machine)) Console.WriteLine($"wrote {path}");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"bench: cannot write the sweep results to {directory}: {e.Message}");
            return 1;
        }
    }

    private static IReadOnlyList<WorkloadKind> ParseWorkloads(string name) => name == "all"
        ? [WorkloadKind.P2p, WorkloadKind.Token, WorkloadKind.Amm, WorkloadKind.Hot, WorkloadKind.Mixed]
        : [Enum.Parse<WorkloadKind>(name, ignoreCase: true)];

    private static IReadOnlyList<int> ParseWorkers(string text)
    {
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, out int n) || n < 1 || n > 256)
                throw new ArgumentException($"--workers: '{part}' is not a worker count between 1 and 256");
            list.Add(n);
        }
        return list.Count > 0 ? list : throw new ArgumentException("--workers: give at least one worker count");
    }

    private static int Positive(int value, string name, int min) =>
        value >= min ? value : throw new ArgumentException($"{name} must be at least {min}, got {value}");
}
