using System.CommandLine;
using System.Diagnostics;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec gen</c>: writes a generated workload as a .pxb chain file.</summary>
public static class GenCommand
{
    public static Command Create()
    {
        var workload = new Option<string>("--workload") { Description = "Workload: p2p, token, amm, hot or mixed", DefaultValueFactory = _ => "p2p" };
        workload.AcceptOnlyFromAmong("p2p", "token", "amm", "hot", "mixed");
        var accounts = new Option<int>("--accounts") { Description = "Funded accounts in the genesis", DefaultValueFactory = _ => 1_000 };
        var txs = new Option<int>("--txs") { Description = "Transactions per block", DefaultValueFactory = _ => 1_000 };
        var blocks = new Option<int>("--blocks") { Description = "Blocks", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generated chain", DefaultValueFactory = _ => 1UL };
        var work = new Option<int>("--work") { Description = "Units of CPU work per transaction (Keccak-f[1600] permutations)", DefaultValueFactory = _ => 0 };
        var hints = new Option<string>("--hints") { Description = "Declared access hints: none, exact or unreliable", DefaultValueFactory = _ => "none" };
        hints.AcceptOnlyFromAmong("none", "exact", "unreliable");
        var output = new Option<FileInfo>("--output", "-o") { Description = "Chain file to write", Required = true };

        var command = new Command("gen", "Generate a chain (genesis + blocks) and write it as a .pxb chain file");
        foreach (var option in new Option[] { workload, accounts, txs, blocks, seed, work, hints, output }) command.Options.Add(option);
        command.SetAction(parse => ChainCli.Guard("gen", () =>
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
            var started = Stopwatch.GetTimestamp();
            var generated = WorkloadGenerator.Generate(options);
            ChainWriter.Write(path, ChainStart.FromGenesis(generated.Genesis), generated.Blocks.Select(b => new ChainBlock(b)));
            var size = new FileInfo(path).Length;
            Console.WriteLine($"wrote {path}: {generated.Blocks.Length} blocks, {generated.TransactionCount} txs, " +
                              $"{generated.Genesis.Count} genesis entries, {size:N0} bytes in {ChainCli.Ms(Stopwatch.GetElapsedTime(started))}");
            return 0;
        }));
        return command;
    }
}
