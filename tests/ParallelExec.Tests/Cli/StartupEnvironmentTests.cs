using ParallelExec.Testing;

namespace ParallelExec.Tests.Cli;

/// <summary>
/// The CLI sets glibc's malloc arenas to two, asks it for transparent huge pages and, for commands
/// that run blocks, has the runtime count calls toward optimized code from the start, by running itself
/// again with <c>MALLOC_ARENA_MAX=2</c>, <c>GLIBC_TUNABLES=glibc.malloc.hugetlb=1</c> and
/// <c>DOTNET_TC_CallCountingDelayMs=0</c> (read only at process start): the running command's
/// environment shows them, under the same process id, and values the user set are kept (a
/// <c>GLIBC_TUNABLES</c> of the user's is not extended). It also marks the GC heap's range for huge
/// pages, which the kernel shows as the <c>hg</c> flag of that mapping, and opens the first part of the
/// GC's reserve ahead of its commits (a writable mapping of a GiB or more). (Linux with glibc, as the
/// interruption tests.)
/// </summary>
public class StartupEnvironmentTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_running_command_has_two_malloc_arenas_and_huge_pages_set()
    {
        // Unless the machine running the tests set values of its own, which the CLI inherits and keeps.
        var variables = VariablesOfRunningBench([], out _);
        Assert.Equal(Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "2", variables.GetValueOrDefault("MALLOC_ARENA_MAX"));
        Assert.Equal(Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "glibc.malloc.hugetlb=1", variables.GetValueOrDefault("GLIBC_TUNABLES"));
        // (Unless the delay was set under the runtime's older prefix: then the CLI adds none.)
        string? delay = Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs")
                        ?? (Environment.GetEnvironmentVariable("COMPlus_TC_CallCountingDelayMs") is null ? "0" : null);
        Assert.Equal(delay, variables.GetValueOrDefault("DOTNET_TC_CallCountingDelayMs"));
    }

    [Fact]
    public void Values_the_user_set_are_kept()
    {
        var variables = VariablesOfRunningBench(new() { ["MALLOC_ARENA_MAX"] = "4", ["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=0" }, out _);
        Assert.Equal("4", variables.GetValueOrDefault("MALLOC_ARENA_MAX"));
        Assert.Equal("glibc.malloc.hugetlb=0", variables.GetValueOrDefault("GLIBC_TUNABLES"));

        // Either set alone: the other is still added.
        variables = VariablesOfRunningBench(new() { ["GLIBC_TUNABLES"] = "glibc.malloc.tcache_count=0" }, out _);
        Assert.Equal("2", variables.GetValueOrDefault("MALLOC_ARENA_MAX"));
        Assert.Equal("glibc.malloc.tcache_count=0", variables.GetValueOrDefault("GLIBC_TUNABLES"));
        variables = VariablesOfRunningBench(new() { ["MALLOC_ARENA_MAX"] = "3" }, out _);
        Assert.Equal("3", variables.GetValueOrDefault("MALLOC_ARENA_MAX"));
        Assert.Equal("glibc.malloc.hugetlb=1", variables.GetValueOrDefault("GLIBC_TUNABLES"));

        // The runtime's delay, in either spelling the runtime reads; with both glibc variables set, the
        // CLI still runs itself again for it.
        variables = VariablesOfRunningBench(new() { ["DOTNET_TC_CallCountingDelayMs"] = "100" }, out _);
        Assert.Equal("100", variables.GetValueOrDefault("DOTNET_TC_CallCountingDelayMs"));
        variables = VariablesOfRunningBench(new() { ["COMPlus_TC_CallCountingDelayMs"] = "50" }, out _);
        Assert.False(variables.ContainsKey("DOTNET_TC_CallCountingDelayMs"));
        variables = VariablesOfRunningBench(new() { ["MALLOC_ARENA_MAX"] = "4", ["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=0" }, out _);
        Assert.Equal("0", variables.GetValueOrDefault("DOTNET_TC_CallCountingDelayMs"));
    }

    [Fact]
    public void The_gc_heap_range_is_marked_for_huge_pages_where_the_kernel_offers_them()
    {
        VariablesOfRunningBench([], out var smaps);
        bool offered = File.Exists(ThpMode) && File.ReadAllText(ThpMode) is var mode && (mode.Contains("[madvise]") || mode.Contains("[always]"));
        // A mapping's block in smaps: its range line, then "Size:" and the other fields, "VmFlags:" last.
        bool marked = false, opened = false;
        ulong size = 0;
        foreach (var line in smaps.Split('\n'))
        {
            if (line.StartsWith("Size:", StringComparison.Ordinal)) size = ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            if (!line.StartsWith("VmFlags:", StringComparison.Ordinal) || size < 1UL << 20) continue;
            var flags = line.Split(' ');
            if (flags.Contains("hg")) marked = true;
            // The GC's reserve opened ahead of its commits: one writable mapping of a GiB or more, still
            // marked, to be dumped ("dd" is the flag of the reserve the GC has not committed).
            if (flags.Contains("hg") && flags.Contains("wr") && !flags.Contains("dd")) opened = true;
        }
        Assert.Equal(offered, marked);
        // A kernel that accounts commits strictly (mode 2) may refuse to open it; then nothing is opened.
        if (File.Exists(OvercommitMode) && File.ReadAllText(OvercommitMode).Trim() != "2") Assert.Equal(offered, opened);
    }

    private const string OvercommitMode = "/proc/sys/vm/overcommit_memory";

    private const string ThpMode = "/sys/kernel/mm/transparent_hugepage/enabled";

    private static Dictionary<string, string> VariablesOfRunningBench(Dictionary<string, string> environment, out string smaps)
    {
        // Far more work than the reads below take (a minute or more uninterrupted): a bench that ended on its
        // own before the interrupt came exited 0, not 130 (seen once in a CI run).
        using var bench = CliProcess.Start(CliProcess.Built(), environment,
            "bench", "--workload", "p2p", "--accounts", "100", "--txs", "2000", "--blocks", "50", "--work", "22", "--runs", "20", "--workers", "1,2");
        Assert.True(bench.WaitForErrorLine("warming up"), "bench ended before reporting progress");
        var variables = File.ReadAllText($"/proc/{bench.Id}/environ").Split('\0');
        smaps = File.ReadAllText($"/proc/{bench.Id}/smaps");
        bench.Interrupt();
        Assert.Equal(130, bench.WaitForExit(Limit).Code);
        var result = new Dictionary<string, string>();
        foreach (var variable in variables)
            if (variable.IndexOf('=') is > 0 and var eq) result[variable[..eq]] = variable[(eq + 1)..];
        return result;
    }
}
