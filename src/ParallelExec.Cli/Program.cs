using System.CommandLine;
using ParallelExec.Cli.Commands;

var root = new RootCommand("ParallelExec: deterministic parallel execution of blockchain transactions");
root.Subcommands.Add(BenchCommand.Create());
return root.Parse(args).Invoke();
