using System.CommandLine;
using ParallelExec.Batches;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Scheduling;
using ParallelExec.Stateless;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec verify-batch B.pxbatch --witness W1.bin --witness W2.bin … [--genesis CHAIN.pxb]</c>:
/// checks a compressed batch's transition, from its previous root to its new root, from one witness per
/// block (no state database). Exit 0 only when proven.
/// </summary>
public static class VerifyBatchCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("batch") { Description = "The batch file (parallelexec batch encode)" };
        var witnessOption = new Option<FileInfo[]>("--witness")
        {
            Description = "One witness per block of the batch, in block order (parallelexec witness); repeat the option", Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var genesisOption = new Option<FileInfo?>("--genesis") { Description = "The chain file whose genesis the batch's account positions refer to" };
        var workers = NumberOption.Int("--workers", $"Workers of the parallel executor (default: processor count; at most {WorkerCounts.Max})",
            WorkerCounts.Default, 1, WorkerCounts.Max);
        var command = new Command("verify-batch", "Verify a compressed batch's state transition from one witness per block: every block executes in parallel on its witness alone, each reaches the next witness's pre-state root, the last the batch's new root");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { witnessOption, genesisOption, workers }) command.Options.Add(option);
        command.SetGuardedAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var bytes = BatchDecodeCommand.ReadBatchFile(path);
            var header = BatchDecodeCommand.OnBatch(path, () => BatchDecoder.ReadHeader(bytes));
            var (_, directory) = BatchDecodeCommand.GenesisFor(path, header, parse.GetValue(genesisOption)?.FullName);
            var batch = BatchDecodeCommand.OnBatch(path, () => BatchDecoder.Decode(bytes, directory));
            var witnesses = new List<ExecutionWitness>();
            foreach (var witnessFile in parse.GetValue(witnessOption)!)
            {
                var witnessPath = witnessFile.FullName;
                if (!File.Exists(witnessPath)) throw new FileNotFoundException($"--witness {witnessPath}: no such file", witnessPath);
                try
                {
                    witnesses.Add(WitnessCodec.Read(witnessPath));
                }
                catch (WitnessFormatException e)
                {
                    throw new InvalidDataException($"{witnessPath}: {e.Message}", e);
                }
            }
            using var executor = new ParallelExecutor(parse.GetValue(workers));
            var verdict = new StatelessVerifier(executor).VerifyBatch(header.PreviousRoot, batch.Blocks, witnesses, header.NewRoot);
            if (!verdict.IsProven)
                throw new CommandFailedException($"rejected ({verdict.Outcome}): {verdict.Message}", VerifyStatelessCommand.RejectedExitCode);
            Console.WriteLine(verdict.Message);
            return 0;
        });
        return command;
    }
}
