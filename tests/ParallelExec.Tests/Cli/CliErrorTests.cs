using ParallelExec.Testing;
using ParallelExec.Tests.Blocks;

namespace ParallelExec.Tests.Cli;

/// <summary>
/// Bad options and bad paths through the built CLI: every one is a single line on standard error,
/// <c>parallelexec COMMAND: what, where</c>, a non-zero exit, no stack trace and no help text; nothing
/// starts (these runs would take minutes or gigabytes if they did).
/// </summary>
public class CliErrorTests
{
    private static string OneLineError(string command, int expectedCode, params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), args);
        Assert.True(code == expectedCode, $"exit {code}, expected {expectedCode}: {stderr}");
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.StartsWith($"parallelexec {command}: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("Usage:", stderr + stdout);
        Assert.Equal("", stdout);
        return stderr.TrimEnd();
    }

    [Theory]
    [InlineData("bench", "--workers", "1,,2")]
    [InlineData("bench", "--workers", "0")]
    [InlineData("bench", "--workers", "257")]
    [InlineData("bench", "--txs", "0")]
    [InlineData("bench", "--work", "-1")]
    [InlineData("bench", "--runs", "many")]
    [InlineData("bench", "--no-such-option")]
    [InlineData("replay", "chain.pxb", "--trie-node-interval", "-3")]
    [InlineData("replay", "chain.pxb", "--trie-node-interval", "3")]
    [InlineData("replay", "chain.pxb", "--journal", "3")]
    [InlineData("replay", "chain.pxb", "--workers", "257")]
    [InlineData("record", "chain.pxb", "--workers", "257")]
    [InlineData("genesis", "genesis.json", "--workers", "257")]
    [InlineData("replay", "chain.pxb", "--verify", "--no-verify")]
    [InlineData("analyze", "chain.pxb", "--top", "-1")]
    [InlineData("revert", "--blocks", "0", "--db", "x")]
    [InlineData("gen")]
    public void A_bad_option_is_one_line_naming_the_command(string command, params string[] options)
    {
        OneLineError(command, 1, [command, .. options]);
    }

    [Fact]
    public void A_parse_error_points_to_help_instead_of_printing_it()
    {
        var line = OneLineError("bench", 1, "bench", "--txs", "abc");
        Assert.Contains("--txs: 'abc' is not a whole number", line);
        Assert.EndsWith("see 'parallelexec bench --help'", line);
    }

    [Fact]
    public void A_negative_seed_says_what_a_seed_is()
    {
        var line = OneLineError("gen", 1, "gen", "--seed", "-1", "-o", "x.pxb");
        Assert.Contains("--seed: '-1' is not a whole number from 0 to 18446744073709551615", line);
        Assert.DoesNotContain("System.", line);
    }

    [Fact]
    public void The_same_worker_maximum_holds_for_every_command()
    {
        foreach (var args in new[] { new[] { "bench", "--workers", "257" }, ["replay", "x.pxb", "--workers", "257"], ["record", "x.pxb", "--workers", "257"], ["genesis", "g.json", "--workers", "257"] })
            Assert.Contains("256", OneLineError(args[0], 1, args));
        foreach (var args in new[] { new[] { "replay", "--help" }, ["record", "--help"], ["genesis", "--help"] })
            Assert.Contains("at most 256", CliProcess.Run(CliProcess.Built(), args).Out);
    }

    [Theory]
    [InlineData("bench", "--accounts", "2147483647")]
    [InlineData("bench", "--txs", "100000000")]
    [InlineData("bench", "--blocks", "2147483647")]
    [InlineData("gen", "--txs", "2147483647", "--blocks", "2147483647", "-o", "x.pxb")]
    [InlineData("bench", "--store", "memory", "--accounts", "2147483647")]
    public void Sizes_that_do_not_fit_in_memory_are_refused_before_anything_starts(string command, params string[] options)
    {
        var line = OneLineError(command, 1, [command, .. options]);
        Assert.Contains("of memory; this machine has", line);
        Assert.Contains("available", line);
        Assert.False(File.Exists("x.pxb"));
    }

    [Fact]
    public void The_error_of_a_size_that_does_not_fit_says_what_fits()
    {
        var line = OneLineError("bench", 1, "bench", "--accounts", "2147483647");
        Assert.Matches(@"at most --accounts [\d,]+ fits", line);
    }

    [Fact]
    public void Gen_into_a_missing_folder_names_the_folder()
    {
        var line = OneLineError("gen", 1, "gen", "-o", "/nonexistent/dir/x.pxb");
        Assert.Contains("/nonexistent/dir/x.pxb: cannot write, the folder /nonexistent/dir does not exist", line);
    }

    [Fact]
    public void Gen_does_not_overwrite_a_file_without_force()
    {
        var path = ChainTestFiles.TempFile();
        try
        {
            File.WriteAllText(path, "recorded chain");
            var line = OneLineError("gen", 1, "gen", "--accounts", "10", "--txs", "5", "-o", path);
            Assert.Contains($"{path}: exists already; --force overwrites it", line);
            Assert.Equal("recorded chain", File.ReadAllText(path));

            var forced = CliProcess.Run(CliProcess.Built(), "gen", "--accounts", "10", "--txs", "5", "-o", path, "--force");
            Assert.True(forced.Code == 0, forced.Err);
            Assert.NotEqual("recorded chain", File.ReadAllText(path));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}*")); // no temporary left
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Chain_file_errors_name_the_file()
    {
        var path = ChainTestFiles.TempFile();
        try
        {
            Assert.Contains($"{path}: no such chain file", OneLineError("replay", 1, "replay", path));
            File.WriteAllText(path, "not a chain file at all");
            foreach (var command in new[] { "replay", "record", "analyze" })
                Assert.StartsWith($"parallelexec {command}: {path}: file header", OneLineError(command, 1, command, path));
            Assert.Equal("not a chain file at all", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_database_path_that_is_a_file_says_so()
    {
        var path = ChainTestFiles.TempFile();
        try
        {
            var gen = CliProcess.Run(CliProcess.Built(), "gen", "--accounts", "10", "--txs", "5", "-o", path);
            Assert.True(gen.Code == 0, gen.Err);
            Assert.Contains($"--db {path}: is a file, not a database folder", OneLineError("replay", 1, "replay", path, "--db", path));
            Assert.Contains($"--db {path}: is a file", OneLineError("revert", 1, "revert", "--db", path));
            // record executes from the genesis: only into a new or empty folder, and its database options need --db.
            Assert.Contains($"--db {path}: must be a new or empty folder", OneLineError("record", 1, "record", path, "--db", path));
            var folder = Path.GetDirectoryName(path)!;
            Assert.Contains($"--db {folder}: must be a new or empty folder", OneLineError("record", 1, "record", path, "--db", folder));
            Assert.Contains("--cache-mb needs --db", OneLineError("record", 1, "record", path, "--cache-mb", "64"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // A heap limit the runtime enforces (as a container's memory limit would): 48 MiB.
    private static readonly Dictionary<string, string> SmallHeap = new() { ["DOTNET_GCHeapHardLimit"] = "0x3000000" };

    [Fact]
    public void The_memory_check_counts_the_memory_this_process_may_use()
    {
        var (code, _, stderr) = CliProcess.Run(CliProcess.Built(), SmallHeap, "bench", "--accounts", "100000");
        Assert.Equal(1, code);
        Assert.Matches(@"^parallelexec bench: 100,000 accounts, 10,000 txs x 3 blocks need about [\d.,]+ GiB of memory; this machine has \d+ MiB available", stderr);
    }

    [Fact]
    public void Running_out_of_memory_is_one_line_not_a_stack_trace()
    {
        var path = ChainTestFiles.TempFile();
        try
        {
            // 400,001 genesis entries: their trie does not fit in 48 MiB (replay has no size options to check first).
            var gen = CliProcess.Run(CliProcess.Built(), "gen", "--accounts", "200000", "--txs", "10", "-o", path);
            Assert.True(gen.Code == 0, gen.Err);
            var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), SmallHeap, "replay", path);
            Assert.Equal(1, code);
            Assert.Single(stderr.TrimEnd().Split('\n'));
            Assert.Matches(@"^parallelexec replay: out of memory: the work asked for does not fit in the \d+ MiB available to this process; .*--db DIR", stderr);
            Assert.DoesNotContain("   at ", stderr + stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
