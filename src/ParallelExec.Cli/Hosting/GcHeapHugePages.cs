using System.Globalization;
using System.Runtime.InteropServices;

namespace ParallelExec.Cli.Hosting;

/// <summary>
/// Marks the GC heap's address range eligible for transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>),
/// as JVMs and mimalloc do for their heaps: where the kernel's THP mode is <c>madvise</c>, the common
/// default, only memory so marked may be faulted in 2 MiB at a time. The runtime has no setting for
/// it, so at start every anonymous mapping of at least 1 GiB is marked: that is the range the GC
/// reserved for its heap (tens of GiB of address space, committed as needed). With glibc's huge pages
/// as well (<see cref="StartupEnvironment"/>), a 1 M-account replay took ~20 % fewer page faults than with
/// glibc's alone (~45 % fewer than with neither; docs/performance.md). It does less than it might:
/// sampled during the warming, 12 MB of the GC's 409 MB of committed memory were in huge pages, likely
/// because the GC commits a region a little at a time, so the 2 MiB around a page touched first is
/// rarely all committed yet. Linux only; nothing happens where THP is off (<c>never</c>) or the call fails.
/// </summary>
internal static class GcHeapHugePages
{
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE
    private const ulong MinimumLength = 1UL << 30;

    public static void Advise()
    {
        if (!OperatingSystem.IsLinux() || !Available()) return;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
                if (LargeAnonymousRange(line, out ulong start, out ulong length)) _ = Madvise((nint)start, (nuint)length, MadviseHugePage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    /// <summary>Whether the kernel gives transparent huge pages to memory that asks (mode <c>always</c> or <c>madvise</c>).</summary>
    private static bool Available()
    {
        try
        {
            var mode = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
            return mode.Contains("[madvise]", StringComparison.Ordinal) || mode.Contains("[always]", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // A line of /proc/self/maps ("start-end perms offset dev inode [path]") naming no file and at least 1 GiB long.
    private static bool LargeAnonymousRange(string line, out ulong start, out ulong length)
    {
        start = length = 0;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5) return false; // a file, or a named region ([heap], [stack], ...)
        int dash = fields[0].IndexOf('-');
        if (dash < 0 || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out start)
            || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end) || end <= start)
            return false;
        length = end - start;
        return length >= MinimumLength;
    }

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);
}
