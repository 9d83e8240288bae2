using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
        var workers = new Option<int>("--workers")
        {
            Description = "Threads for hashing the tries (default: processor count)",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var command = new Command("genesis", "Compute the Ethereum state root of a genesis allocation");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.Options.Add(workers);
        command.SetAction(parse => Run(parse.GetValue(file)!, parse.GetValue(json), parse.GetValue(workers)));
        return command;
    }

    private static int Run(FileInfo file, bool asJson, int workers)
    {
        try
        {
            if (workers < 1 || workers > 1024) throw new ArgumentException($"--workers must be between 1 and 1024, got {workers}");
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
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"parallelexec genesis: {OneLine(e.Message)}");
            return 1;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
