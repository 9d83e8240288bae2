using ParallelExec.Testing;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// The database commands' reports redirected to a file: results only on standard output, nothing on
/// standard error (no progress off a terminal), every line within 80 columns.
/// </summary>
public class DatabaseCliOutputTests
{
    [Fact]
    public void Replay_into_a_database_revert_and_store_bench_fit_80_columns()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var db = dir.Sub("db");
        foreach (var args in new[]
        {
            new[] { "gen", "--workload", "mixed", "--accounts", "40", "--txs", "30", "--blocks", "3", "-o", chain },
            ["record", chain], ["replay", chain, "--db", db], ["revert", "--db", db, "--blocks", "2"],
            ["bench", "--store", "memory", "--workload", "token", "--accounts", "40", "--txs", "30", "--blocks", "2", "--runs", "1", "--workers", "1,2"],
        })
        {
            var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), args);
            Assert.True(code == 0, $"{args[0]}: {stderr}");
            Assert.Equal("", stderr);
            foreach (var line in stdout.Split('\n'))
                Assert.True(line.TrimEnd().Length <= 80, $"{args[0]}: wider than 80 columns: '{line}'");
        }
    }
}
