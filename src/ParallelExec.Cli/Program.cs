using System.CommandLine;
using System.CommandLine.Invocation;
using ParallelExec.Cli.Commands;
using ParallelExec.Cli.Hosting;
using ParallelExec.Cli.Terminal;

StartupEnvironment.Configure(args);
GcHeapHugePages.Advise();
CommandRunner.InstallUnhandledExceptionHandler();
Interruption.Install();
var root = new RootCommand("ParallelExec: deterministic parallel execution of blockchain transactions");
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(GenesisCommand.Create());
root.Subcommands.Add(GenCommand.Create());
root.Subcommands.Add(RecordCommand.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(AnalyzeCommand.Create());
root.Subcommands.Add(RevertCommand.Create());
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(ProofCommand.Create());
root.Subcommands.Add(BalCommand.Create());
root.Subcommands.Add(BatchCommand.Create());
root.Subcommands.Add(WitnessCommand.Create());
root.Subcommands.Add(VerifyStatelessCommand.Create());
root.Subcommands.Add(VerifyBatchCommand.Create());
var parse = root.Parse(args);
if (parse.Action is ParseErrorAction)
{
    // One line, not the whole help: the first error and where to read more.
    string name = CommandRunner.NameOf(parse);
    return CommandRunner.Fail(name, $"{parse.Errors[0].Message.TrimEnd('.')}; see '{CommandRunner.Prefix(name)} --help'");
}
// Interruptions are the commands' own (Interruption): stop at a block boundary, clean up, say where.
return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
