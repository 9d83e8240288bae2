using ParallelExec.Testing;

namespace ParallelExec.Tests.Cli;

/// <summary>
/// The CLI caps glibc's malloc arenas by running itself again with <c>MALLOC_ARENA_MAX=2</c>
/// (glibc reads it only at process start): the running command's environment shows it, under the same
/// process id, and a value the user set is kept. (Linux with glibc, as the interruption tests.)
/// </summary>
public class MallocArenasTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_running_command_has_two_malloc_arenas_set()
    {
        // Unless the machine running the tests set a value of its own, which the CLI inherits and keeps.
        Assert.Equal(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "2", ArenasOfRunningBench([]));
    }

    [Fact]
    public void A_value_the_user_set_is_kept()
    {
        Assert.Equal("4", ArenasOfRunningBench(new() { ["MALLOC_ARENA_MAX"] = "4" }));
    }

    private static string? ArenasOfRunningBench(Dictionary<string, string> environment)
    {
        using var bench = CliProcess.Start(CliProcess.Built(), environment,
            "bench", "--workload", "p2p", "--accounts", "100", "--txs", "200", "--blocks", "20", "--workers", "1,2");
        Assert.True(bench.WaitForErrorLine("warming up"), "bench ended before reporting progress");
        var variables = File.ReadAllText($"/proc/{bench.Id}/environ").Split('\0');
        bench.Interrupt();
        Assert.Equal(130, bench.WaitForExit(Limit).Code);
        return variables.FirstOrDefault(v => v.StartsWith("MALLOC_ARENA_MAX=", StringComparison.Ordinal))?["MALLOC_ARENA_MAX=".Length..];
    }
}
