using ParallelExec.Testing;

namespace ParallelExec.Product.Tests;

/// <summary>
/// Runs the built samples (each checks its parallel results against sequential execution itself and
/// exits 1 otherwise) and, for CustomTransaction, the CLI on its chain file with its codec assembly.
/// </summary>
public sealed class SampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parallelexec-samples-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sample(string name) =>
        RepositoryPaths.Built(Path.Combine("samples", name), name) ?? throw new InvalidOperationException($"sample {name} is not built");

    private (int Code, string Out, string Err) RunSample(string name) => CliProcess.RunProgram("dotnet", [Sample(name), _dir]);

    [Fact]
    public void EmbedInNode_commits_reorganises_and_reopens_equal_to_sequential()
    {
        var (code, stdout, stderr) = RunSample("EmbedInNode");
        Assert.True(code == 0, $"exit {code}: {stderr}{stdout}");
        Assert.Contains("reorganisation: reverted 2 blocks to block 3", stdout);
        Assert.Contains("block 6: 2000 votes", stdout);
        Assert.Contains("reopened at block 6", stdout);
        Assert.Contains("all blocks equal to sequential execution", stdout);
    }

    [Fact]
    public void ReplayRecorded_verifies_every_replay_against_the_recording()
    {
        var (code, stdout, stderr) = RunSample("ReplayRecorded");
        Assert.True(code == 0, $"exit {code}: {stderr}{stdout}");
        Assert.Contains("sequential replay: 4 roots verified", stdout);
        Assert.Contains("parallel replay: 4 roots verified", stdout);
        Assert.Contains("resumed at 2, skipped 2, committed 2", stdout);
    }

    [Fact]
    public void CustomTransaction_chain_files_work_in_the_cli_with_its_codec_assembly()
    {
        var (code, stdout, stderr) = RunSample("CustomTransaction");
        Assert.True(code == 0, $"exit {code}: {stderr}{stdout}");
        Assert.Contains("sequential replay: 4 of 4 roots equal to the parallel recording", stdout);

        var cli = RepositoryPaths.BuiltCli() ?? throw new InvalidOperationException("the CLI is not built");
        string chain = Path.Combine(_dir, "names.pxb");
        string codecs = Sample("CustomTransaction");

        // Without the codec assembly the CLI cannot read the node's transactions: one line, exit 1.
        var unknown = CliProcess.Run(cli, "analyze", chain);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("unknown transaction type 200", unknown.Err);

        var record = CliProcess.Run(cli, "record", chain, "--workers", "2", "--codec-assembly", codecs);
        Assert.True(record.Code == 0, record.Err);
        foreach (var sequential in new[] { false, true })
        {
            string[] args = ["replay", chain, "--verify", "--workers", "2", "--codec-assembly", codecs, .. sequential ? new[] { "--sequential" } : []];
            var replay = CliProcess.Run(cli, args);
            Assert.True(replay.Code == 0, replay.Err);
            Assert.Contains("verified 4 of 4 blocks", replay.Out);
        }
        var stored = CliProcess.Run(cli, "replay", chain, "--verify", "--db", Path.Combine(_dir, "state"), "--codec-assembly", codecs);
        Assert.True(stored.Code == 0, stored.Err);
        Assert.Contains("verified 4 of 4 blocks", stored.Out);
        var analyze = CliProcess.Run(cli, "analyze", chain, "--json", "--codec-assembly", codecs);
        Assert.True(analyze.Code == 0, analyze.Err);
        Assert.Contains("\"txs\": 4000", analyze.Out);

        // A batch holds the built-in kinds only: the node's own type is refused, naming where it is.
        var batch = CliProcess.Run(cli, "batch", "encode", chain, "-o", Path.Combine(_dir, "names.pxbatch"), "--codec-assembly", codecs);
        Assert.Equal(1, batch.Code);
        Assert.Single(batch.Err.TrimEnd().Split('\n'));
        Assert.StartsWith($"parallelexec batch encode: {chain}: block ", batch.Err);
        Assert.Contains("has no batch encoding", batch.Err);
        Assert.False(File.Exists(Path.Combine(_dir, "names.pxbatch")));

        // An assembly without codecs is refused with one line.
        var none = CliProcess.Run(cli, "analyze", chain, "--codec-assembly", typeof(SampleTests).Assembly.Location);
        Assert.Equal(1, none.Code);
        Assert.Contains("no public ITransactionCodec class", none.Err);
    }
}
