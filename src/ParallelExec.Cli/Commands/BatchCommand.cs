using System.CommandLine;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec batch encode|decode</c>: between chain files and compressed rollup-style batches (docs/batches.md).</summary>
public static class BatchCommand
{
    public static Command Create()
    {
        var command = new Command("batch", "Convert between chain files and compressed batches (address references, implied nonces, scaled amounts)");
        command.Subcommands.Add(BatchEncodeCommand.Create());
        command.Subcommands.Add(BatchDecodeCommand.Create());
        return command;
    }
}
