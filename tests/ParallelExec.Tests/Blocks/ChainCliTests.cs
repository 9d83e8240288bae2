using ParallelExec.Testing;
using System.Text.Json;

namespace ParallelExec.Tests.Blocks;

/// <summary>
/// Runs the built CLI (src/ParallelExec.Cli/bin/&lt;configuration&gt;/net10.0/ParallelExec.Cli.dll) on a tiny
/// chain. The test project has a build-order reference to the CLI, so it is always built first.
/// </summary>
public class ChainCliTests
{
    private static (int Code, string Out, string Err) Run(string cli, params string[] args) => CliProcess.Run(cli, args);

    [Fact]
    public void Gen_record_replay_verify_and_analyze_through_the_cli()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests (src/ParallelExec.Cli/bin/<configuration>/net10.0)");
        var path = ChainTestFiles.TempFile();
        try
        {
            var gen = Run(cli, "gen", "--workload", "mixed", "--accounts", "50", "--txs", "30", "--blocks", "3", "--seed", "3", "-o", path);
            Assert.True(gen.Code == 0, gen.Err);
            var record = Run(cli, "record", path, "--workers", "2", "--json");
            Assert.True(record.Code == 0, record.Err);
            var recorded = JsonDocument.Parse(record.Out).RootElement;
            var recordedRoot = recorded.GetProperty("finalRoot").GetString();
            AssertCollector(recorded);

            foreach (var mode in new[] { "--sequential", "--workers=3" })
            {
                var replay = Run(cli, "replay", path, "--verify", "--json", mode);
                Assert.True(replay.Code == 0, replay.Err);
                var json = JsonDocument.Parse(replay.Out).RootElement;
                Assert.Equal(3, json.GetProperty("verifiedBlocks").GetInt32());
                Assert.Equal(recordedRoot, json.GetProperty("finalRoot").GetString());
                AssertCollector(json);
            }

            var analyze = Run(cli, "analyze", path, "--json");
            Assert.True(analyze.Code == 0, analyze.Err);
            Assert.Equal(90, JsonDocument.Parse(analyze.Out).RootElement.GetProperty("total").GetProperty("txs").GetInt32());

            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(path, bytes);
            var corrupt = Run(cli, "replay", path, "--verify");
            Assert.Equal(1, corrupt.Code);
            Assert.Single(corrupt.Err.TrimEnd().Split('\n'));
            Assert.StartsWith($"parallelexec replay: {path}: ", corrupt.Err); // names the file
            Assert.DoesNotContain("   at ", corrupt.Err);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // The collector's work over the blocks: counts by generation and the pause, none negative, and the
    // collector that did it (the CLI asks for the server one, which the runtime gives wherever it has
    // more than one core).
    private static void AssertCollector(JsonElement report)
    {
        var collector = report.GetProperty("collector");
        Assert.Equal(Environment.ProcessorCount > 1 ? "server" : "workstation", collector.GetProperty("kind").GetString());
        foreach (var generation in new[] { "gen0", "gen1", "gen2" }) Assert.True(collector.GetProperty(generation).GetInt32() >= 0, generation);
        Assert.True(collector.GetProperty("pauseMs").GetDouble() >= 0);
    }
}
