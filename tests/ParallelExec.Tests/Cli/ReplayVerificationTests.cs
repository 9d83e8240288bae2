using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.State;
using ParallelExec.Testing;
using ParallelExec.Tests.Blocks;

namespace ParallelExec.Tests.Cli;

/// <summary>
/// <c>parallelexec replay</c> verifies recorded state roots by default: a rewritten root (checksums
/// fixed, so only verification can see it) fails the replay; <c>--no-verify</c> skips the comparison;
/// <c>--verify</c> on a file without roots fails before anything runs, while a plain replay of such a
/// file runs unverified and says so.
/// </summary>
public class ReplayVerificationTests
{
    /// <summary>A recorded three-block chain; <paramref name="forgedBlock"/> (1-based) gets a wrong root, or none is forged.</summary>
    private static string RecordedChain(int? forgedBlock)
    {
        var path = ChainTestFiles.TempFile();
        File.WriteAllBytes(path, ChainTestFiles.Bytes(ChainTestFiles.Workload()));
        ChainRecorder.Record(path, workers: 2);
        if (forgedBlock is not { } n) return path;
        ChainBlock[] blocks;
        ChainStart start;
        using (var reader = ChainReader.Open(path))
        {
            start = reader.Start;
            blocks = reader.ReadBlocks().ToArray();
        }
        var forged = new Hash256(Enumerable.Repeat((byte)0x5A, 32).ToArray());
        ChainWriter.Write(path, start, blocks.Select(b => b.Number == n ? b.WithRecord(forged, b.Dependencies) : b));
        return path;
    }

    [Fact]
    public void A_rewritten_root_fails_the_default_replay_and_passes_with_no_verify()
    {
        var path = RecordedChain(forgedBlock: 2);
        try
        {
            var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), "replay", path, "--json");
            Assert.Equal(2, code);
            var json = JsonDocument.Parse(stdout).RootElement;
            Assert.True(json.GetProperty("verify").GetBoolean());
            Assert.Equal(2, json.GetProperty("mismatch").GetProperty("block").GetInt64());
            Assert.StartsWith("parallelexec replay: ", stderr);

            var unverified = CliProcess.Run(CliProcess.Built(), "replay", path, "--no-verify", "--json");
            Assert.True(unverified.Code == 0, unverified.Err);
            Assert.False(JsonDocument.Parse(unverified.Out).RootElement.GetProperty("verify").GetBoolean());
            Assert.Equal(3, JsonDocument.Parse(unverified.Out).RootElement.GetProperty("blocks").GetInt64());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_recorded_chain_is_verified_by_default_and_verify_is_an_alias()
    {
        var path = RecordedChain(forgedBlock: null);
        try
        {
            foreach (var args in new[] { new[] { "replay", path, "--json" }, ["replay", path, "--json", "--verify"] })
            {
                var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), args);
                Assert.True(code == 0, stderr);
                Assert.Equal(3, JsonDocument.Parse(stdout).RootElement.GetProperty("verifiedBlocks").GetInt64());
                Assert.Equal("", stderr);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Verify_on_a_file_without_roots_fails_before_running_and_a_plain_replay_says_it_did_not_verify()
    {
        var path = ChainTestFiles.TempFile();
        File.WriteAllBytes(path, ChainTestFiles.Bytes(ChainTestFiles.Workload()));
        try
        {
            var asked = CliProcess.Run(CliProcess.Built(), "replay", path, "--verify", "--json");
            Assert.Equal(3, asked.Code);
            Assert.Equal("", asked.Out); // nothing ran: no report
            Assert.Equal($"parallelexec replay: --verify: {path} has no recorded state roots, nothing to verify (parallelexec record adds them)", asked.Err.TrimEnd());

            var plain = CliProcess.Run(CliProcess.Built(), "replay", path, "--json");
            Assert.True(plain.Code == 0, plain.Err);
            Assert.False(JsonDocument.Parse(plain.Out).RootElement.GetProperty("verify").GetBoolean());
            Assert.Contains("has no recorded state roots, so its blocks were not verified", plain.Err);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
