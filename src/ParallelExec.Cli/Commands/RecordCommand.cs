using System.CommandLine;
using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec record</c>: executes a chain and writes each block's state root and dependency graph into it.</summary>
public static class RecordCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file (rewritten in place, atomically)" };
        var workers = new Option<int>("--workers") { Description = "Workers of the parallel executor", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var codecs = CodecAssemblies.CreateOption();
        var command = new Command("record", "Execute a chain (parallel, dependencies recorded) and record each block's post-state root and dependency graph in the file");
        command.Arguments.Add(file);
        command.Options.Add(workers);
        command.Options.Add(json);
        command.Options.Add(codecs);
        command.SetAction(parse => ChainCli.Guard("record", () =>
        {
            var path = parse.GetValue(file)!.FullName;
            int n = parse.GetValue(workers);
            if (n is < 1 or > 256) throw new ArgumentException($"--workers must be between 1 and 256, got {n}");
            bool asJson = parse.GetValue(json);
            var report = ChainCli.WithProgress("recording", asJson, p => ChainRecorder.Record(path, n, CodecAssemblies.Load(parse.GetValue(codecs)), progress: p));
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    file = path, blocks = report.Blocks, txs = report.Transactions, workers = report.Workers,
                    finalRoot = report.FinalRoot.ToString(), reexecutions = report.Reexecutions,
                    totalMs = Math.Round(report.Total.TotalMilliseconds, 3),
                }, ChainCli.Json));
            }
            else
            {
                Console.WriteLine($"recorded {report.Blocks} blocks ({report.Transactions} txs) in {path}: final state root {report.FinalRoot} " +
                                  $"({report.Workers} workers, {report.Reexecutions} re-executions, {ChainCli.Ms(report.Total)})");
            }
            return 0;
        }));
        return command;
    }
}
