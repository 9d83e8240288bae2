using System.CommandLine;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Trie;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec witness CHAIN.pxb --block N -o W.bin [--db DIR]</c>: block N's execution witness
/// (docs/witnesses.md), from the chain executed in memory up to block N, or with <c>--db</c> from a state
/// database whose head is block N − 1 (its trie's nodes read along the proofs' paths: any state size).
/// </summary>
public static class WitnessCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file (with an embedded genesis)" };
        var blockOption = new Option<long?>("--block") { Description = "The block whose witness to write (with --db, by default the one after the database's head)" };
        var outputOption = new Option<FileInfo>("--output", "-o") { Description = "The witness file to write", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite the output file" };
        var workers = NumberOption.Int("--workers", $"Workers of the parallel executor (default: processor count; at most {WorkerCounts.Max})",
            WorkerCounts.Default, 1, WorkerCounts.Max);
        var repeat = NumberOption.Int("--repeat", "Time the block's ordinary execution this many times (min/median/max; for measurements)", 1, 1, 1000);
        var db = new Option<DirectoryInfo?>("--db") { Description = "Execute the block over a state database whose head is the block before it, instead of the whole chain in memory (states larger than memory)" };
        var digestsOption = new Option<FileInfo?>("--digests") { Description = "Also write the block's per-transaction result digests (what an operator claims beside its post-state root; verify-stateless --claimed-digests)" };
        var command = new Command("witness", "Write a block's execution witness, from the chain executed in memory up to the block or from a state database at the block before (--db): its keys' pre-state values, the trie nodes proving them (each once), the nodes its post-state root needs, its code hashes");
        command.Arguments.Add(file);
        command.Options.Add(blockOption);
        command.Options.Add(outputOption);
        command.Options.Add(force);
        command.Options.Add(workers);
        command.Options.Add(repeat);
        command.Options.Add(digestsOption);
        command.Options.Add(db);
        command.SetGuardedAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            long? asked = parse.GetValue(blockOption);
            var output = parse.GetValue(outputOption)!.FullName;
            ChainCli.CheckOutputFile(output, parse.GetValue(force), "--force");
            var digestsPath = parse.GetValue(digestsOption)?.FullName;
            if (digestsPath is not null) ChainCli.CheckOutputFile(digestsPath, parse.GetValue(force), "--force");
            using var executor = new ParallelExecutor(parse.GetValue(workers));
            var options = new ExecutionOptions { RecordTransactionDigests = digestsPath is not null };
            int repeats = parse.GetValue(repeat);
            if (parse.GetValue(db) is { } dbFolder) return FromDatabase(path, DatabaseOptions.ExistingFolder(dbFolder), asked, output, digestsPath, executor, options, repeats);
            long number = asked ?? throw new ArgumentException("--block is required (without --db there is no head to follow)");

            var (block, recordBytes, state) = ChainCli.OnChainFile(path, () =>
            {
                using var reader = ChainReader.Open(path);
                var genesis = ChainPrefix.Genesis(reader, path);
                var found = ChainPrefix.Find(reader, number, before => genesis.Apply(executor.Execute(before.Block, genesis).Changes))
                            ?? throw new ArgumentException($"--block {number}: {path} has no such block");
                return (found.Block, found.RecordBytes, genesis);
            });
            var trie = StateTrie.FromState(state.Entries, Environment.ProcessorCount);
            var result = executor.Execute(block.Block, state, options);
            var witness = WitnessBuilder.Build(trie, number, result);
            trie.Apply(result.Changes);
            var postRoot = trie.ComputeRoot(Environment.ProcessorCount);
            Write(witness, result, block, recordBytes, postRoot, output, digestsPath, executor, repeats, () => executor.Execute(block.Block, state).Stats);
            return 0;
        });
        return command;
    }

    // The block after the database's head, executed over its state; the witness's nodes read from its trie.
    private static int FromDatabase(string path, string dbPath, long? number, string output, string? digestsPath, ParallelExecutor executor,
        ExecutionOptions options, int repeats)
    {
        using var store = RocksDbStateStore.Open(dbPath, new RocksDbStoreOptions { SyncCommits = false });
        long next = number ?? (store.IsInitialized ? store.Head.Number + 1 : 0); // an empty database: Build says it holds no chain
        var built = ChainCli.OnChainFile(path, () => StoredChainWitness.Build(path, store, next, executor, options));
        Write(built.Witness, built.Result, built.Block, built.RecordBytes, built.PostStateRoot, output, digestsPath, executor, repeats,
            () => executor.Execute(built.Block.Block, store).Stats);
        return 0;
    }

    // Writes the witness (and the digests) through temporary files, and says what was made.
    private static void Write(ExecutionWitness witness, BlockResult result, ChainBlock block, long recordBytes, Hash256 postRoot, string output,
        string? digestsPath, ParallelExecutor executor, int repeats, Func<BlockExecutionStats> executeAgain)
    {
        long number = witness.BlockNumber;
        long bytes = ChainCli.WriteWitness(output, witness);
        int txs = block.Transactions.Count;
        Console.WriteLine($"block {number}: {txs} txs, pre-state root {witness.PreStateRoot}, post-state root {postRoot}");
        Console.WriteLine($"witness: {bytes} bytes ({(txs == 0 ? 0 : bytes / (double)txs):F1} per tx, {bytes / (double)recordBytes:F2}x the block's {recordBytes} bytes in the chain file): "
                          + $"{witness.Entries.Count} keys, {witness.Nodes.Count} nodes ({witness.NodeBytes} bytes), {witness.Codes.Count} code hashes");
        var runs = new List<BlockExecutionStats> { result.Stats };
        for (int r = repeats - 1; r > 0; r--) runs.Add(executeAgain());
        Console.WriteLine($"ordinary execution: {VerifyStatelessCommand.Times(runs, s => s.Elapsed)} ({result.Stats.Executor}, {executor.ActiveWorkers} workers)");
        Console.WriteLine($"wrote {output}");
        if (digestsPath is null) return;
        var temporaryDigests = ChainCli.TemporaryNextTo(digestsPath);
        File.WriteAllBytes(temporaryDigests, TransactionDigestFile.Encode(number, result.TransactionDigests!));
        File.Move(temporaryDigests, digestsPath, overwrite: true);
        Console.WriteLine($"wrote {digestsPath} ({txs} transaction digests)");
    }
}
