using ParallelExec.Testing;
using ParallelExec.Tests.Blocks;

namespace ParallelExec.Tests.Cli;

/// <summary>
/// Ctrl-C (SIGINT) on the long commands, through a real process: each test waits until the command
/// reports progress (so it is under way, with seconds of work left) before signalling, then checks
/// that it stops at a block boundary, says where on standard error, exits 130 and leaves nothing
/// behind: no half-written chain file, an unchanged file after an interrupted record.
/// </summary>
public class InterruptionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>A chain whose replay takes many seconds (2,000 blocks of transactions with 100 units of work each).</summary>
    private static string SlowChain()
    {
        var path = ChainTestFiles.TempFile();
        var gen = CliProcess.Run(CliProcess.Built(), "gen", "--accounts", "200", "--txs", "100", "--blocks", "2000", "--work", "100", "-o", path);
        Assert.True(gen.Code == 0, gen.Err);
        return path;
    }

    [Fact]
    public void An_interrupted_replay_stops_after_a_block_and_says_which()
    {
        var path = SlowChain();
        try
        {
            using var replay = CliProcess.Start(CliProcess.Built(), "replay", path, "--workers", "2");
            Assert.True(replay.WaitForErrorLine("replaying: "), "the replay ended before reporting progress");
            replay.Interrupt();
            var (code, stdout, stderr) = replay.WaitForExit(Limit);

            Assert.Equal(130, code);
            Assert.Matches(@"^parallelexec replay: stopped after block \d+$", CliProcess.LastLine(stderr));
            Assert.Equal("", stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_interrupted_record_leaves_the_file_as_it_was()
    {
        var path = SlowChain();
        try
        {
            var before = File.ReadAllBytes(path);
            using var record = CliProcess.Start(CliProcess.Built(), "record", path, "--workers", "2");
            Assert.True(record.WaitForErrorLine("recording: "), "the record ended before reporting progress");
            record.Interrupt();
            var (code, _, stderr) = record.WaitForExit(Limit);

            Assert.Equal(130, code);
            Assert.Equal($"parallelexec record: stopped before the end; {path} is unchanged", CliProcess.LastLine(stderr));
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}*")); // its temporary file is gone
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_interrupted_gen_writes_nothing()
    {
        var path = ChainTestFiles.TempFile();
        // A hundred million transactions (gen streams them, so memory stays one block whatever the
        // count; writing them would take ~20 s): the interrupt always comes first. Twenty million
        // take 4 s now, and once, in a loaded CI run, the SIGINT found gen gone (kill: no such
        // process): the progress line reaches the test through the test host's thread pool, which
        // can lag by seconds.
        using var gen = CliProcess.Start(CliProcess.Built(), "gen", "--accounts", "100", "--txs", "20", "--blocks", "5000000", "-o", path);
        Assert.True(gen.WaitForErrorLine("writing: "), "gen ended before reporting progress");
        gen.Interrupt();
        var (code, _, stderr) = gen.WaitForExit(Limit);

        Assert.Equal(130, code);
        Assert.Matches($@"^parallelexec gen: stopped after writing \d+ of 5000000 blocks; {System.Text.RegularExpressions.Regex.Escape(path)} was not written$", CliProcess.LastLine(stderr));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}*"));
    }

    [Fact]
    public void An_interrupted_bench_stops_with_exit_130()
    {
        // Far more runs than the interrupt takes to come (a bench that ends on its own first exits 0).
        using var bench = CliProcess.Start(CliProcess.Built(), "bench", "--workload", "p2p", "--accounts", "100", "--txs", "200", "--blocks", "20", "--workers", "1,2",
            "--runs", "1000");
        Assert.True(bench.WaitForErrorLine("warming up"), "bench ended before reporting progress");
        bench.Interrupt();
        var (code, stdout, stderr) = bench.WaitForExit(Limit);

        Assert.Equal(130, code);
        Assert.Equal("parallelexec bench: stopped before the end, no results", CliProcess.LastLine(stderr));
        Assert.Equal("", stdout);
    }
}
