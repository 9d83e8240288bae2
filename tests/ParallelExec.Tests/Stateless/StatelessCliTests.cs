using System.Text.RegularExpressions;
using ParallelExec.Tests.Blocks;
using ParallelExec.Testing;

namespace ParallelExec.Tests.Stateless;

/// <summary><c>parallelexec witness</c> and <c>verify-stateless</c> end to end: exit codes and one-line errors.</summary>
public sealed class StatelessCliTests
{
    [Fact]
    public void A_compressed_batch_verifies_from_one_witness_per_block_through_the_cli()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests");
        var chain = ChainTestFiles.TempFile();
        var batch = chain + ".pxbatch";
        var witnesses = Enumerable.Range(1, 3).Select(n => $"{chain}.w{n}").ToArray();
        try
        {
            Assert.Equal(0, CliProcess.Run(cli, "gen", "--workload", "mixed", "--accounts", "80", "--txs", "40", "--blocks", "3", "--seed", "6", "-o", chain).Code);
            Assert.Equal(0, CliProcess.Run(cli, "record", chain).Code);
            for (int n = 1; n <= 3; n++) Assert.Equal(0, CliProcess.Run(cli, "witness", chain, "--block", n.ToString(), "-o", witnesses[n - 1]).Code);
            var encoded = CliProcess.Run(cli, "batch", "encode", chain, "-o", batch);
            Assert.True(encoded.Code == 0, encoded.Err);

            var proven = CliProcess.Run(cli, "verify-batch", batch, "--genesis", chain, "--witness", witnesses[0], "--witness", witnesses[1], "--witness", witnesses[2]);
            Assert.True(proven.Code == 0, proven.Err);
            Assert.Contains("proven: blocks 1..3 take ", proven.Out);

            // Witnesses out of order, or one short: rejected (exit 2), one line naming the block.
            var swapped = CliProcess.Run(cli, "verify-batch", batch, "--genesis", chain, "--witness", witnesses[1], "--witness", witnesses[0], "--witness", witnesses[2]);
            Assert.Equal(2, swapped.Code);
            Assert.StartsWith("parallelexec verify-batch: rejected (", swapped.Err);
            Assert.Contains("block 1: ", swapped.Err);
            Assert.Single(swapped.Err.Trim().Split('\n'));
            var shortOne = CliProcess.Run(cli, "verify-batch", batch, "--genesis", chain, "--witness", witnesses[0], "--witness", witnesses[1]);
            Assert.Equal(2, shortOne.Code);
            Assert.Contains("3 blocks but 2 witnesses", shortOne.Err);
            // Without the genesis its positions refer to: one line, exit 1.
            var noGenesis = CliProcess.Run(cli, "verify-batch", batch, "--witness", witnesses[0]);
            Assert.Equal(1, noGenesis.Code);
            Assert.Contains("--genesis", noGenesis.Err);
        }
        finally
        {
            foreach (var file in witnesses.Append(batch).Append(chain)) File.Delete(file);
        }
    }

    [Fact]
    public void Witness_then_verify_stateless_through_the_cli()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests");
        var chain = ChainTestFiles.TempFile();
        var witness = chain + ".witness";
        try
        {
            Assert.Equal(0, CliProcess.Run(cli, "gen", "--workload", "mixed", "--accounts", "60", "--txs", "40", "--blocks", "3", "--seed", "4", "-o", chain).Code);
            Assert.Equal(0, CliProcess.Run(cli, "record", chain).Code);
            var made = CliProcess.Run(cli, "witness", chain, "--block", "2", "-o", witness, "--workers", "4");
            Assert.True(made.Code == 0, made.Err);
            var pre = Regex.Match(made.Out, "pre-state root (0x[0-9a-f]{64})").Groups[1].Value;
            Assert.Matches("witness: [0-9]+ bytes", made.Out);

            // Proven against the root recorded in the chain file: exit 0.
            var verified = CliProcess.Run(cli, "verify-stateless", "--pre-root", pre, "--block", chain + ":2", "--witness", witness);
            Assert.True(verified.Code == 0, verified.Err);
            Assert.Contains("execution on the witness", verified.Out);
            Assert.Contains("proven: block 2 takes " + pre, verified.Out);

            // The witness's own block when no number is given, the same result.
            Assert.Equal(0, CliProcess.Run(cli, "verify-stateless", "--pre-root", pre, "--block", chain, "--witness", witness).Code);

            // With the operator's per-transaction digests: proven; then one digest and the root forged,
            // and the verifier names that transaction (the step a fraud proof bisects to).
            var digests = chain + ".digests";
            Assert.Equal(0, CliProcess.Run(cli, "witness", chain, "--block", "2", "-o", witness, "--digests", digests, "--force").Code);
            Assert.Equal(0, CliProcess.Run(cli, "verify-stateless", "--pre-root", pre, "--block", chain + ":2", "--witness", witness, "--claimed-digests", digests).Code);
            var forged = File.ReadAllBytes(digests);
            forged[4 + 2 + 2 + 8 + 4 + 7 * 32] ^= 1; // transaction 7's digest
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(forged.Length - 4), ParallelExec.Blocks.Crc32.Compute(forged.AsSpan(0, forged.Length - 4)));
            File.WriteAllBytes(digests, forged);
            var bisected = CliProcess.Run(cli, "verify-stateless", "--pre-root", pre, "--block", chain + ":2", "--witness", witness,
                "--claimed-root", "0x" + new string('3', 64), "--claimed-digests", digests);
            Assert.Equal(2, bisected.Code);
            Assert.Contains("the first diverging transaction is 7", bisected.Err);
            Assert.Single(bisected.Err.Trim().Split('\n'));
            forged[forged.Length / 2] ^= 0x10; // a damaged digest file: one line, exit 1
            File.WriteAllBytes(digests, forged);
            var damagedDigests = CliProcess.Run(cli, "verify-stateless", "--pre-root", pre, "--block", chain + ":2", "--witness", witness, "--claimed-digests", digests);
            Assert.Equal(1, damagedDigests.Code);
            Assert.Matches("digest file at byte [0-9]+: checksum mismatch", damagedDigests.Err);
            File.Delete(digests);

            // A false claimed post-state root: rejected (exit 2), one line.
            var falseRoot = CliProcess.Run(cli, "verify-stateless", "--pre-root", pre, "--block", chain + ":2", "--witness", witness, "--claimed-root", "0x" + new string('2', 64));
            Assert.Equal(2, falseRoot.Code);
            Assert.StartsWith("parallelexec verify-stateless: rejected (PostRootMismatch): the post-state root is 0x", falseRoot.Err);
            Assert.Single(falseRoot.Err.Trim().Split('\n'));

            // Another pre-state root, or another block: rejected (exit 2), one line.
            var wrongRoot = CliProcess.Run(cli, "verify-stateless", "--pre-root", "0x" + new string('1', 64), "--block", chain + ":2", "--witness", witness);
            Assert.Equal(2, wrongRoot.Code);
            Assert.StartsWith("parallelexec verify-stateless: rejected (MalformedWitness): the witness is for pre-state root", wrongRoot.Err);
            Assert.Equal(2, CliProcess.Run(cli, "verify-stateless", "--pre-root", pre, "--block", chain + ":3", "--witness", witness).Code);

            // A damaged witness file: one line naming the file and the byte, exit 1.
            var bytes = File.ReadAllBytes(witness);
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(witness, bytes);
            var damaged = CliProcess.Run(cli, "verify-stateless", "--pre-root", pre, "--block", chain + ":2", "--witness", witness);
            Assert.Equal(1, damaged.Code);
            Assert.Matches("^parallelexec verify-stateless: .*witness at byte [0-9]+: checksum mismatch", damaged.Err);
            Assert.Single(damaged.Err.Trim().Split('\n'));

            // No such block; an existing output without --force.
            var missing = CliProcess.Run(cli, "witness", chain, "--block", "9", "-o", witness, "--force");
            Assert.Equal(1, missing.Code);
            Assert.Contains("--block 9:", missing.Err);
            Assert.Equal(1, CliProcess.Run(cli, "witness", chain, "--block", "2", "-o", witness).Code);
        }
        finally
        {
            File.Delete(chain);
            File.Delete(witness);
        }
    }
}
