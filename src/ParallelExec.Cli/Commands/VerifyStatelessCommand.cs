using System.CommandLine;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Stateless;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec verify-stateless --pre-root 0x… --block CHAIN.pxb[:N] --witness W.bin [--claimed-root 0x…]</c>:
/// checks a block's transition from its witness alone (no state database). Exit 0 only when proven.
/// </summary>
public static class VerifyStatelessCommand
{
    /// <summary>Exit code when the witness or the block is rejected.</summary>
    public const int RejectedExitCode = 2;

    public static Command Create()
    {
        var preRoot = new Option<string>("--pre-root") { Description = "The state root before the block (0x and 64 hex digits)", Required = true };
        var blockOption = new Option<string>("--block") { Description = "The block: CHAIN.pxb:N, or CHAIN.pxb for the witness's block", Required = true };
        var witnessOption = new Option<FileInfo>("--witness") { Description = "The block's witness file", Required = true };
        var claimed = new Option<string?>("--claimed-root") { Description = "The claimed state root after the block (default: the root recorded in the chain file)" };
        var claimedDigests = new Option<FileInfo?>("--claimed-digests") { Description = "The operator's per-transaction result digests (witness --digests): when the root differs, the first transaction whose result differs is named" };
        var workers = NumberOption.Int("--workers", $"Workers of the parallel executor (default: processor count; at most {WorkerCounts.Max})",
            WorkerCounts.Default, 1, WorkerCounts.Max);
        var repeat = NumberOption.Int("--repeat", "Verify this many times and report min/median/max of each step's time (for measurements)", 1, 1, 1000);
        var command = new Command("verify-stateless", "Verify a block's state transition from its witness alone: the witness proves the pre-state, the block executes in parallel on it, the post-state root matches the claim");
        foreach (var option in new Option[] { preRoot, blockOption, witnessOption, claimed, claimedDigests, workers, repeat }) command.Options.Add(option);
        command.SetGuardedAction(parse =>
        {
            var pre = ParseRoot(parse.GetValue(preRoot)!, "--pre-root");
            var witnessPath = parse.GetValue(witnessOption)!.FullName;
            if (!File.Exists(witnessPath)) throw new FileNotFoundException($"--witness {witnessPath}: no such file", witnessPath);
            ExecutionWitness witness;
            try
            {
                witness = WitnessCodec.Read(witnessPath);
            }
            catch (WitnessFormatException e)
            {
                throw new InvalidDataException($"{witnessPath}: {e.Message}", e);
            }
            var (path, number) = ParseBlock(parse.GetValue(blockOption)!, witness.BlockNumber);
            var block = ChainCli.OnChainFile(path, () =>
            {
                using var reader = ChainReader.Open(path, options: ChainReaderOptions.BlocksOnly);
                return ChainPrefix.Find(reader, number)?.Block ?? throw new ArgumentException($"--block: {path} has no block {number}");
            });
            Hash256 claim;
            if (parse.GetValue(claimed) is { } text) claim = ParseRoot(text, "--claimed-root");
            else if (block.HasExpectedRoot) claim = block.ExpectedRoot;
            else throw new ArgumentException($"--claimed-root: not given, and block {number} of {path} has no recorded root");
            Hash256[]? digests = null;
            if (parse.GetValue(claimedDigests)?.FullName is { } digestsPath)
            {
                if (!File.Exists(digestsPath)) throw new FileNotFoundException($"--claimed-digests {digestsPath}: no such file", digestsPath);
                if (new FileInfo(digestsPath).Length > TransactionDigestFile.MaxFileBytes)
                    throw new InvalidDataException($"--claimed-digests {digestsPath}: larger than {TransactionDigestFile.MaxFileBytes >> 20} MiB, not a digest file of one block");
                try
                {
                    (long digestsBlock, digests) = TransactionDigestFile.Decode(File.ReadAllBytes(digestsPath));
                    if (digestsBlock != number) throw new ArgumentException($"--claimed-digests {digestsPath}: the digests are of block {digestsBlock}, not {number}");
                }
                catch (WitnessFormatException e)
                {
                    throw new InvalidDataException($"{digestsPath}: {e.Message}", e);
                }
            }
            var fullClaim = new StatelessClaim(claim, digests);

            using var executor = new ParallelExecutor(parse.GetValue(workers));
            var verifier = new StatelessVerifier(executor);
            var runs = new List<VerificationResult>();
            for (int r = parse.GetValue(repeat); r > 0; r--) runs.Add(verifier.Verify(pre, block.Block, witness, fullClaim));
            var verdict = runs[^1];
            if (verdict.Stats is not null)
            {
                Console.WriteLine($"block {number}: {block.Transactions.Count} txs; witness {witness.Entries.Count} keys, {witness.Nodes.Count} nodes; "
                                  + $"proof check {Times(runs, v => v.ProofTime)}, execution on the witness {Times(runs, v => v.ExecutionTime)} ({executor.ActiveWorkers} workers), "
                                  + $"post-state root {Times(runs, v => v.PostRootTime)}");
            }
            return verdict.Outcome switch
            {
                VerificationOutcome.Proven => Proven(verdict),
                _ => throw new CommandFailedException($"rejected ({verdict.Outcome}): {verdict.Message}", RejectedExitCode),
            };
        });
        return command;
    }

    /// <summary>One time, or min/median/max over several runs.</summary>
    internal static string Times<T>(List<T> runs, Func<T, TimeSpan> time)
    {
        var sorted = runs.Select(time).Order().ToList();
        return sorted.Count == 1 ? ChainCli.Ms(sorted[0]) : $"{ChainCli.Ms(sorted[0])} / {ChainCli.Ms(sorted[sorted.Count / 2])} / {ChainCli.Ms(sorted[^1])} (min/median/max of {sorted.Count})";
    }

    private static int Proven(VerificationResult verdict)
    {
        Console.WriteLine(verdict.Message);
        return 0;
    }

    private static Hash256 ParseRoot(string text, string option)
    {
        try
        {
            return Hash256.Parse(text);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{option} '{text}' is not a 32-byte hex root (0x and 64 hex digits)");
        }
    }

    // CHAIN.pxb:N (the last colon followed by digits only), or CHAIN.pxb for the witness's block.
    private static (string Path, long Number) ParseBlock(string text, long witnessBlock)
    {
        int colon = text.LastIndexOf(':');
        if (colon > 0 && colon < text.Length - 1 && text[(colon + 1)..].All(char.IsAsciiDigit))
        {
            if (!long.TryParse(text[(colon + 1)..], out long n)) throw new ArgumentException($"--block '{text}': the block number is out of range");
            return (Path.GetFullPath(text[..colon]), n);
        }
        return (Path.GetFullPath(text), witnessBlock);
    }
}
