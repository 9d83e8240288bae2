using System.CommandLine;
using ParallelExec.Cli.Commands;

var root = new RootCommand("ParallelExec: deterministic parallel execution of blockchain transactions");
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(GenesisCommand.Create());
root.Subcommands.Add(GenCommand.Create());
root.Subcommands.Add(RecordCommand.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(AnalyzeCommand.Create());
root.Subcommands.Add(RevertCommand.Create());
root.Subcommands.Add(ProofCommand.Create());
root.Subcommands.Add(BalCommand.Create());
return root.Parse(args).Invoke();
