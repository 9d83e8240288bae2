using System.Runtime.InteropServices;
using System.Text;

namespace ParallelExec.Cli.Hosting;

/// <summary>
/// Sets variables that glibc and the .NET runtime read only when a process starts, by replacing the
/// process once (<c>execve</c> of the same program, the same arguments, same process id, standard
/// streams and signals) with them in its environment:
/// <list type="bullet">
/// <item><c>MALLOC_ARENA_MAX=2</c>. glibc gives each thread an arena of its own, up to eight per core,
/// and memory freed into one arena is not reused by threads of another: RocksDB's flush, compaction and
/// read threads spread the block cache and the memtables over many arenas. Replaying a 10 M-account
/// chain (32 blocks, 2 cores) peaked at a median 2.66 GB (2.49–2.81) with the default and 2.40 GB
/// (2.15–2.56) with two arenas, at the same speed. (<c>mallopt</c> from here only stops new arenas:
/// the runtime's own threads have theirs already; 2.45–2.50 GB measured.)</item>
/// <item><c>glibc.malloc.hugetlb=1</c> in <c>GLIBC_TUNABLES</c>: malloc asks for transparent huge
/// pages on the memory it maps (where the kernel's THP mode is <c>madvise</c>, the common default, only
/// memory so marked gets them). RocksDB's write batches, memtables and block cache are then faulted in
/// 2 MiB at a time instead of 4 KiB: a 1 M-account replay took ~30 % fewer page faults and its
/// commit stage ran 12–28 % shorter (docs/performance.md).</item>
/// <item><c>DOTNET_TC_CallCountingDelayMs=0</c>, for the commands that run blocks or build state (not
/// <c>proof</c>, <c>bal</c> or help). Tiered compilation counts a method's calls toward its optimized
/// version only once no method has been compiled for the first time in 100 ms; a command that starts
/// its pipeline's threads, RocksDB and the trie's warming at once keeps compiling new methods for
/// seconds, and its hot loops run unoptimized meanwhile. Counting from the start, a 1 M-account
/// replay (64 blocks) opened in 4.7–5.1 s against 5.2–6.8 s and ran 39,000–43,400 against
/// 34,600–40,700 tx/s (seven interleaved rounds); 10 M the same. A one-off <c>proof</c> would pay
/// the earlier compilations (0.64 against 0.58 s) and does not get it.</item>
/// </list>
/// A value the user set wins: a <c>GLIBC_TUNABLES</c> of the user's is left as it is, not extended
/// (under glibc 2.36 a process started with a list of two tunables shows only the first in its
/// environment, so a list put together from two sources is not something to rely on). Other C libraries, other systems, and a failed <c>execve</c> run on
/// unchanged.
/// </summary>
internal static class StartupEnvironment
{
    private const string ArenasVariable = "MALLOC_ARENA_MAX";
    private const string Arenas = "2";
    private const string TunablesVariable = "GLIBC_TUNABLES";
    private const string HugePages = "glibc.malloc.hugetlb=1";
    private const string CallCountingDelayVariable = "DOTNET_TC_CallCountingDelayMs";
    private const string LegacyCallCountingDelayVariable = "COMPlus_TC_CallCountingDelayMs"; // the runtime reads both
    private const string NoCallCountingDelay = "0";

    /// <summary>Commands that print one thing and exit: compiling their methods early costs more than it gives.</summary>
    private static readonly HashSet<string> ShortCommands = ["proof", "bal"];

    /// <param name="args">The command line (the first argument names the command).</param>
    public static void Configure(string[] args)
    {
        if (!OperatingSystem.IsLinux()) return;
        bool addArenas = Environment.GetEnvironmentVariable(ArenasVariable) is null;
        bool addHugePages = Environment.GetEnvironmentVariable(TunablesVariable) is null;
        bool addCallCounting = RunsBlocks(args) && Environment.GetEnvironmentVariable(CallCountingDelayVariable) is null
                               && Environment.GetEnvironmentVariable(LegacyCallCountingDelayVariable) is null;
        if (!addArenas && !addHugePages && !addCallCounting || !IsGlibc()) return;
        try
        {
            // Exactly what this process was started with; bytes that are not UTF-8 could not be passed
            // on unchanged as strings, so then the process runs on as it is.
            var arguments = NulSeparated("/proc/self/cmdline");
            var environment = new List<string?>(NulSeparated("/proc/self/environ"));
            if (addArenas) environment.Add($"{ArenasVariable}={Arenas}");
            if (addHugePages) environment.Add($"{TunablesVariable}={HugePages}");
            if (addCallCounting) environment.Add($"{CallCountingDelayVariable}={NoCallCountingDelay}");
            environment.Add(null);
            Execve("/proc/self/exe", [.. arguments, null], [.. environment]);
            // Only returns when it failed: run on as we are.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException
                                      or DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    // A command, not help or a version (an option first) nor one of the short ones.
    private static bool RunsBlocks(string[] args) => args.Length > 0 && !args[0].StartsWith('-') && !ShortCommands.Contains(args[0]);

    // Each entry ends with a NUL (an empty argument is an empty entry, kept).
    private static string[] NulSeparated(string path)
    {
        var text = Strict.GetString(File.ReadAllBytes(path));
        return text.Length == 0 ? [] : text[..^1].Split('\0');
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsGlibc()
    {
        try
        {
            return GnuLibcVersion() != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern nint GnuLibcVersion();

    [DllImport("libc", EntryPoint = "execve")]
    private static extern int Execve(string path, string?[] argv, string?[] envp);
}
