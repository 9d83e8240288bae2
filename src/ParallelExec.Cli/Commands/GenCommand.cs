using System.CommandLine;
using System.Diagnostics;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec gen</c>: writes a generated workload as a .pxb chain file. The file is written next
/// to its destination and renamed over it at the end, so an interrupted or failed run leaves nothing
/// half-written; an existing file is only replaced with <c>--force</c>.
/// </summary>
public static class GenCommand
{
    public static Command Create()
    {
        var workload = new Option<string>("--workload") { Description = "Workload: p2p, token, amm, hot or mixed", DefaultValueFactory = _ => "p2p" };
        workload.AcceptOnlyFromAmong("p2p", "token", "amm", "hot", "mixed");
        var accounts = NumberOption.Int("--accounts", "Funded accounts in the genesis (checked against available memory)", 1_000, 2);
        var txs = NumberOption.Int("--txs", "Transactions per block (checked against available memory)", 1_000, 1);
        var blocks = NumberOption.Int("--blocks", "Blocks (checked against available memory)", 1, 1);
        var seed = NumberOption.ULong("--seed", "Seed of the generated chain", 1UL);
        var work = NumberOption.Int("--work", "Units of CPU work per transaction (Keccak-f[1600] permutations)", 0, 0, 1_000_000);
        var hints = new Option<string>("--hints") { Description = "Declared access hints: none, exact or unreliable", DefaultValueFactory = _ => "none" };
        hints.AcceptOnlyFromAmong("none", "exact", "unreliable");
        var output = new Option<FileInfo>("--output", "-o") { Description = "Chain file to write (its folder must exist)", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace the output file if it exists" };

        var command = new Command("gen", "Generate a chain (genesis + blocks) and write it as a .pxb chain file");
        foreach (var option in new Option[] { workload, accounts, txs, blocks, seed, work, hints, output, force }) command.Options.Add(option);
        command.SetInterruptibleAction((parse, cancellationToken) =>
        {
            var options = new WorkloadOptions
            {
                Kind = Enum.Parse<WorkloadKind>(parse.GetValue(workload)!, ignoreCase: true),
                Accounts = parse.GetValue(accounts),
                TransactionsPerBlock = parse.GetValue(txs),
                Blocks = parse.GetValue(blocks),
                Seed = parse.GetValue(seed),
                Work = parse.GetValue(work),
                Hints = Enum.Parse<HintMode>(parse.GetValue(hints)!, ignoreCase: true),
            };
            var path = parse.GetValue(output)!.FullName;
            ChainCli.CheckOutputFile(path, parse.GetValue(force), "--force");
            bool existed = File.Exists(path);
            MemoryBudget.Check(options, Estimate(options), MemoryBudget.Available());
            var started = Stopwatch.GetTimestamp();
            // Streamed: the genesis goes from its generator into the file and the blocks are made one at
            // a time, so memory stays a nonce per account plus one block, whatever the sizes.
            var temp = ChainCli.TemporaryNextTo(path);
            long written = 0, transactions = 0;
            try
            {
                CliProgress.Fraction("writing", progress =>
                {
                    var start = ChainStart.FromSortedGenesis(WorkloadGenesis.Count(options), () => WorkloadGenesis.Entries(options));
                    using var writer = ChainWriter.Create(temp, start);
                    foreach (var block in WorkloadGenerator.GenerateBlocks(options))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        writer.WriteBlock(new ChainBlock(block));
                        transactions += block.Transactions.Count;
                        written++;
                        progress?.Invoke((double)written / options.Blocks);
                    }
                    writer.Complete();
                    return 0;
                });
                File.Move(temp, path, overwrite: true);
            }
            catch (OperationCanceledException e)
            {
                throw new CommandInterruptedException($"stopped after writing {written} of {options.Blocks} blocks; {path} {(existed ? "is unchanged" : "was not written")}", e);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            var size = new FileInfo(path).Length;
            CliConsole.Prose($"wrote {path}: {written} blocks, {transactions} txs, " +
                              $"{WorkloadGenesis.Count(options)} genesis entries, {size:N0} bytes in {ChainCli.Ms(Stopwatch.GetElapsedTime(started))}");
            return 0;
        });
        return command;
    }

    // What gen holds: a nonce per account and one block (the genesis and the other blocks are streamed).
    private static MemoryBudget.Estimate Estimate(WorkloadOptions options) =>
        (accounts, txs, _) => accounts * sizeof(ulong) + txs * MemoryBudget.BytesPerTransaction;
}
