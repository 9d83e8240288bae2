using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Genesis;
using ParallelExec.Trie;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec genesis FILE [--json] [--workers N]</c>: loads a genesis allocation (geth
/// genesis.json or a plain address→balance map) and prints its state root on the last line.
/// </summary>
public static class GenesisCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "geth genesis.json (with \"alloc\") or a plain {address: balance} JSON map" };
        var json = new Option<bool>("--json") { Description = "Print {\"accounts\":N,\"stateRoot\":\"0x…\",\"millis\":X} instead of text" };
        var workers = NumberOption.Int("--workers", $"Threads for hashing the tries (default: processor count; at most {WorkerCounts.Max})",
            WorkerCounts.Default, 1, WorkerCounts.Max);
        var command = new Command("genesis", "Compute the Ethereum state root of a genesis allocation");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.Options.Add(workers);
        command.SetGuardedAction(parse => Run(parse.GetValue(file)!, parse.GetValue(json), parse.GetValue(workers)));
        return command;
    }

    private static int Run(FileInfo file, bool asJson, int workers)
    {
        var stopwatch = Stopwatch.StartNew();
        var genesis = GenesisLoader.Load(file.FullName);
        var root = StateTrie.FromState(genesis.State.Entries, workers).ComputeRoot(workers);
        long millis = stopwatch.ElapsedMilliseconds;
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { accounts = genesis.AccountCount, stateRoot = root.ToString(), millis }));
        }
        else
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accounts: {genesis.AccountCount}, contracts with code: {genesis.Code.Count}, {millis} ms, {workers} worker(s)"));
            Console.WriteLine(root.ToString());
        }
        return 0;
    }
}
