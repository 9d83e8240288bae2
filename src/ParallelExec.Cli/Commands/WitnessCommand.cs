using System.CommandLine;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.Stateless;
using ParallelExec.Trie;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec witness CHAIN.pxb --block N -o W.bin</c>: executes the chain in memory up to block N
/// and writes block N's execution witness (docs/witnesses.md), built from the full pre-state trie.
/// </summary>
public static class WitnessCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file (with an embedded genesis)" };
        var blockOption = new Option<long>("--block") { Description = "The block whose witness to write", Required = true };
        var outputOption = new Option<FileInfo>("--output", "-o") { Description = "The witness file to write", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite the output file" };
        var workers = NumberOption.Int("--workers", $"Workers of the parallel executor (default: processor count; at most {WorkerCounts.Max})",
            WorkerCounts.Default, 1, WorkerCounts.Max);
        var repeat = NumberOption.Int("--repeat", "Time the block's ordinary execution this many times (min/median/max; for measurements)", 1, 1, 1000);
        var digestsOption = new Option<FileInfo?>("--digests") { Description = "Also write the block's per-transaction result digests (what an operator claims beside its post-state root; verify-stateless --claimed-digests)" };
        var command = new Command("witness", "Execute a chain in memory up to a block and write that block's execution witness: its keys' pre-state values, the trie nodes proving them (each once), the nodes its post-state root needs, its code hashes");
        command.Arguments.Add(file);
        command.Options.Add(blockOption);
        command.Options.Add(outputOption);
        command.Options.Add(force);
        command.Options.Add(workers);
        command.Options.Add(repeat);
        command.Options.Add(digestsOption);
        command.SetGuardedAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            long number = parse.GetValue(blockOption);
            var output = parse.GetValue(outputOption)!.FullName;
            ChainCli.CheckOutputFile(output, parse.GetValue(force), "--force");
            var digestsPath = parse.GetValue(digestsOption)?.FullName;
            if (digestsPath is not null) ChainCli.CheckOutputFile(digestsPath, parse.GetValue(force), "--force");
            using var executor = new ParallelExecutor(parse.GetValue(workers));
            var (block, recordBytes, state) = ChainCli.OnChainFile(path, () =>
            {
                using var reader = ChainReader.Open(path);
                var genesis = ChainPrefix.Genesis(reader, path);
                var found = ChainPrefix.Find(reader, number, before => genesis.Apply(executor.Execute(before.Block, genesis).Changes))
                            ?? throw new ArgumentException($"--block {number}: {path} has no such block");
                return (found.Block, found.RecordBytes, genesis);
            });
            var trie = StateTrie.FromState(state.Entries, Environment.ProcessorCount);
            var result = executor.Execute(block.Block, state, new ExecutionOptions { RecordTransactionDigests = digestsPath is not null });
            var witness = WitnessBuilder.Build(trie, number, result);
            var bytes = WitnessCodec.Encode(witness);
            var temporary = ChainCli.TemporaryNextTo(output);
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, output, overwrite: true);
            trie.Apply(result.Changes);
            var postRoot = trie.ComputeRoot(Environment.ProcessorCount);
            int txs = block.Transactions.Count;
            Console.WriteLine($"block {number}: {txs} txs, pre-state root {witness.PreStateRoot}, post-state root {postRoot}");
            Console.WriteLine($"witness: {bytes.Length} bytes ({(txs == 0 ? 0 : bytes.Length / (double)txs):F1} per tx, {bytes.Length / (double)recordBytes:F2}x the block's {recordBytes} bytes in the chain file): "
                              + $"{witness.Entries.Count} keys, {witness.Nodes.Count} nodes ({witness.NodeBytes} bytes), {witness.Codes.Count} code hashes");
            var runs = new List<BlockExecutionStats> { result.Stats };
            for (int r = parse.GetValue(repeat) - 1; r > 0; r--) runs.Add(executor.Execute(block.Block, state).Stats);
            Console.WriteLine($"ordinary execution: {VerifyStatelessCommand.Times(runs, s => s.Elapsed)} ({result.Stats.Executor}, {executor.ActiveWorkers} workers)");
            Console.WriteLine($"wrote {output}");
            if (digestsPath is not null)
            {
                var temporaryDigests = ChainCli.TemporaryNextTo(digestsPath);
                File.WriteAllBytes(temporaryDigests, TransactionDigestFile.Encode(number, result.TransactionDigests!));
                File.Move(temporaryDigests, digestsPath, overwrite: true);
                Console.WriteLine($"wrote {digestsPath} ({txs} transaction digests)");
            }
            return 0;
        });
        return command;
    }
}
