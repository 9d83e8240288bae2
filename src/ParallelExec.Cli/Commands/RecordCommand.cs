using System.CommandLine;
using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec record</c>: executes a chain and writes each block's state root and dependency graph into it.</summary>
public static class RecordCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file (rewritten in place, atomically: interrupted, it is unchanged)" };
        var workers = NumberOption.Int("--workers", $"Workers of the parallel executor (default: processor count; at most {WorkerCounts.Max})",
            WorkerCounts.Default, 1, WorkerCounts.Max);
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var codecs = CodecAssemblies.CreateOption();
        var command = new Command("record", "Execute a chain (parallel, dependencies recorded) and record each block's post-state root and dependency graph in the file");
        command.Arguments.Add(file);
        command.Options.Add(workers);
        command.Options.Add(json);
        command.Options.Add(codecs);
        command.SetInterruptibleAction((parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!.FullName;
            int n = parse.GetValue(workers);
            ReplayReport report;
            try
            {
                report = ChainCli.OnChainFile(path, () =>
                    CliProgress.Fraction("recording", p => ChainRecorder.Record(path, n, CodecAssemblies.Load(parse.GetValue(codecs)), progress: p, cancellationToken: cancellationToken)));
            }
            catch (OperationCanceledException e)
            {
                throw new CommandInterruptedException($"stopped before the end; {path} is unchanged", e);
            }
            if (parse.GetValue(json))
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
                CliConsole.Prose($"recorded {report.Blocks} blocks ({report.Transactions} txs) in {path}: final state root {report.FinalRoot} " +
                                  $"({report.Workers} workers, {report.Reexecutions} re-executions, {ChainCli.Ms(report.Total)})");
            }
            return 0;
        });
        return command;
    }
}
