using System.CommandLine;
using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Storage;
using Spectre.Console;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec replay</c>: executes a chain in memory, optionally verifying every recorded state root.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file" };
        var workers = new Option<int>("--workers") { Description = "Workers of the parallel executor", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var sequential = new Option<bool>("--sequential") { Description = "Use the sequential reference executor" };
        var verify = new Option<bool>("--verify") { Description = "Compare each block's state root with the recorded one; stop at the first mismatch (exit 2)" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var db = new Option<DirectoryInfo?>("--db") { Description = "Commit every block to this RocksDB state database (created when missing; a rerun resumes after its last committed block)" };
        var journal = new Option<int>("--journal") { Description = "With --db: blocks that keep an undo journal (revertible)", DefaultValueFactory = _ => 128 };
        var noNodes = new Option<bool>("--no-trie-nodes") { Description = "With --db: do not write trie nodes (flat state, records and journal only)" };
        var interval = new Option<int>("--trie-node-interval")
        {
            Description = "With --db: write trie nodes at every Nth block (a checkpoint: its whole trie becomes walkable from the database); 1: every block",
            DefaultValueFactory = _ => ChainStateOptions.DefaultTrieNodeInterval,
        };
        var noPipeline = new Option<bool>("--no-pipeline") { Description = "Run one block at a time instead of executing block N+1 while block N's root is computed (and, with --db, committed)" };
        var codecs = CodecAssemblies.CreateOption();
        var command = new Command("replay", "Execute every block of a chain from its genesis (in memory, or committed to a database with --db), apply it and compute the state root");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { workers, sequential, verify, json, db, journal, noNodes, interval, noPipeline, codecs }) command.Options.Add(option);
        command.SetAction(parse => ChainCli.Guard("replay", () =>
        {
            var path = parse.GetValue(file)!.FullName;
            int n = parse.GetValue(workers);
            if (n is < 1 or > 256) throw new ArgumentException($"--workers must be between 1 and 256, got {n}");
            bool asJson = parse.GetValue(json);
            var options = new ReplayOptions
            {
                Workers = n, Sequential = parse.GetValue(sequential), Verify = parse.GetValue(verify), Pipeline = !parse.GetValue(noPipeline),
            };
            var registry = CodecAssemblies.Load(parse.GetValue(codecs));
            if (parse.GetValue(db) is { } dbDir)
                return StoredReplay.Run(path, dbDir.FullName, options, parse.GetValue(journal), !parse.GetValue(noNodes), parse.GetValue(interval), asJson, registry);
            var report = ChainCli.WithProgress("replaying", asJson, p => ChainReplayer.Replay(path, options, registry, progress: p));
            if (asJson) PrintJson(path, options, report);
            else PrintText(options, report);
            if (report.Mismatch is { } m)
            {
                Console.Error.WriteLine($"replay: {m}");
                return 2;
            }
            if (options.Verify && report.UnrecordedBlocks > 0)
            {
                Console.Error.WriteLine($"replay: --verify: {report.UnrecordedBlocks} blocks have no recorded state root (run parallelexec record first)");
                return 3;
            }
            return 0;
        }));
        return command;
    }

    private static void PrintJson(string path, ReplayOptions options, ReplayReport r) =>
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            file = path, executor = r.Executor, workers = r.Workers, blocks = r.Blocks, txs = r.Transactions,
            verify = options.Verify, verifiedBlocks = r.VerifiedBlocks, unrecordedBlocks = r.UnrecordedBlocks,
            success = r.Success,
            mismatch = r.Mismatch is { } m ? new { block = m.BlockNumber, expected = m.Expected.ToString(), actual = m.Actual.ToString() } : null,
            genesisRoot = r.GenesisRoot.ToString(), finalRoot = r.FinalRoot.ToString(),
            pipelined = r.Pipelined, tps = Math.Round(r.Tps), executeTps = Math.Round(r.ExecuteTps), stageSumTps = Math.Round(r.TotalTps),
            reexecutions = r.Reexecutions, validationFailures = r.ValidationFailures, sequentialFallbacks = r.SequentialFallbacks,
            stagesMs = new
            {
                genesis = Math.Round(r.Genesis.TotalMilliseconds, 3), execute = Math.Round(r.Execute.TotalMilliseconds, 3),
                apply = Math.Round(r.Apply.TotalMilliseconds, 3), root = Math.Round(r.Root.TotalMilliseconds, 3),
                blocks = Math.Round(r.BlocksElapsed.TotalMilliseconds, 3), blocksCpu = Math.Round(r.BlocksCpu.TotalMilliseconds, 3),
                total = Math.Round(r.Total.TotalMilliseconds, 3),
            },
        }, ChainCli.Json));

    private static void PrintText(ReplayOptions options, ReplayReport r)
    {
        var table = new Table().Title($"replay: {r.Blocks} blocks, {r.Transactions} txs, {r.Executor} ({r.Workers} workers, {(r.Pipelined ? "pipelined" : "one block at a time")})")
            .AddColumns("stage", "time", "tx/s");
        table.AddRow("genesis trie", ChainCli.Ms(r.Genesis), "");
        table.AddRow("execute", ChainCli.Ms(r.Execute), r.ExecuteTps.ToString("N0"));
        table.AddRow("apply", ChainCli.Ms(r.Apply), "");
        table.AddRow("state root", ChainCli.Ms(r.Root), "");
        table.AddRow("execute+apply+root (summed)", ChainCli.Ms(r.Execute + r.Apply + r.Root), r.TotalTps.ToString("N0"));
        table.AddRow("blocks, wall time", ChainCli.Ms(r.BlocksElapsed), r.Tps.ToString("N0"));
        AnsiConsole.Write(table);
        Console.WriteLine($"re-executions {r.Reexecutions}, validation failures {r.ValidationFailures}, sequential fallbacks {r.SequentialFallbacks}");
        Console.WriteLine($"final state root {r.FinalRoot}");
        if (options.Verify)
            Console.WriteLine(r.Mismatch is null
                ? $"verified {r.VerifiedBlocks} of {r.Blocks} blocks" + (r.UnrecordedBlocks > 0 ? $" ({r.UnrecordedBlocks} without a recorded root)" : "")
                : $"verification FAILED at block {r.Mismatch.BlockNumber}");
    }
}
