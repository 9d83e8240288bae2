using System.Globalization;
using System.Runtime.InteropServices;

namespace ParallelExec.Cli.Hosting;

/// <summary>
/// Lets the kernel back the GC heap with transparent huge pages, as JVMs and mimalloc do for their
/// heaps: where the kernel's THP mode is <c>madvise</c>, the common default, only memory marked with
/// <c>madvise(MADV_HUGEPAGE)</c> may be faulted in 2 MiB at a time. The runtime has no setting for it,
/// so at start every anonymous mapping of at least 1 GiB is marked (the GC's reserved range among them).
/// <para>
/// Marking alone does little: the GC commits its range a little at a time, each commit an
/// <c>mprotect</c> and a <c>madvise(MADV_DODUMP)</c> that split the range into a committed mapping and
/// a reserved one, and the kernel gives a huge page only where the 2 MiB around a faulting address lie
/// in one mapping (sampled during a replay's warming, 12 of the GC's 409 committed MB were in huge
/// pages). So the first <see cref="OpenedBytes"/> of what the GC has reserved and not committed yet
/// are made readable, writable and dump-able in advance: the GC's own commits there change nothing,
/// the range stays one mapping, and the heap's pages come 2 MiB at a time (a 1 M-account replay: page
/// faults ~300,000 → ~100,000; docs/performance.md). That is address space, not memory: a page is
/// still only allocated when the GC first writes to it, and a part the GC decommits is mapped anew
/// by the GC (small pages again there). The reserve is found as the first inaccessible mapping of
/// 1 GiB or more just above a fresh managed object; where it is not found, or a call fails (a
/// kernel that accounts commits strictly refuses it), the range is left to the GC as before.
/// Linux only; nothing happens where THP is off (<c>never</c>).
/// </para>
/// </summary>
internal static class GcHeapHugePages
{
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE
    private const int MadviseDoDump = 17;   // MADV_DODUMP
    private const int ReadWrite = 3;        // PROT_READ | PROT_WRITE
    private const ulong MinimumLength = 1UL << 30;

    /// <summary>How much of the GC's reserve is opened ahead of its commits: several times what a replay's heap reaches at the default budget.</summary>
    private const ulong OpenedBytes = 4UL << 30;

    private const ulong Step = 256UL << 20; // each call's share of the range
    private const ulong ReserveDistance = 256UL << 20; // the most the reserve's rest lies above a fresh object

    public static void Advise()
    {
        if (!OperatingSystem.IsLinux() || !Available()) return;
        try
        {
            ulong managed = ManagedAddress(); // before the maps are read: the GC may commit for it
            var maps = new List<MappedRange>();
            foreach (var line in File.ReadLines("/proc/self/maps"))
                if (TryParse(line, out var range)) maps.Add(range);
            foreach (var range in maps)
            {
                if (range.Anonymous && range.Length >= MinimumLength) _ = Madvise((nint)range.Start, (nuint)range.Length, MadviseHugePage);
            }
            if (FindGcReserve(maps, managed) is { } reserve) Open(reserve.Start, Math.Min(reserve.Length, OpenedBytes));
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

    // The address of an object the GC just allocated: it lies in the heap's committed start.
    private static unsafe ulong ManagedAddress()
    {
        var probe = new byte[64];
        fixed (byte* p = probe) return (ulong)p;
    }

    // The first inaccessible anonymous mapping of 1 GiB or more above the object, close to it: the
    // GC's regions start at the bottom of its reserve, the first ones partly committed, the rest of
    // the reserve one mapping above them.
    private static MappedRange? FindGcReserve(List<MappedRange> maps, ulong managed)
    {
        foreach (var range in maps)
        {
            if (range.Start <= managed) continue;
            if (range.Start - managed > ReserveDistance) return null;
            if (range.Anonymous && range.Inaccessible && range.Length >= MinimumLength) return range;
        }
        return null;
    }

    // Opens [start, start + length) a step at a time, stopping at the first refusal (what was opened stays so: the GC treats it as reserved and commits it as usual).
    private static void Open(ulong start, ulong length)
    {
        for (ulong done = 0; done < length; done += Step)
        {
            var piece = (nuint)Math.Min(Step, length - done);
            if (Mprotect((nint)(start + done), piece, ReadWrite) != 0 || Madvise((nint)(start + done), piece, MadviseDoDump) != 0) return;
        }
    }

    private readonly record struct MappedRange(ulong Start, ulong Length, bool Anonymous, bool Inaccessible);

    // A line of /proc/self/maps: "start-end perms offset dev inode [path]"; anonymous when it names no file or region ([heap], [stack], ...).
    private static bool TryParse(string line, out MappedRange range)
    {
        range = default;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5) return false;
        int dash = fields[0].IndexOf('-');
        if (dash < 0 || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
            || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end) || end <= start)
            return false;
        range = new MappedRange(start, end - start, fields.Length == 5, fields[1].StartsWith("---", StringComparison.Ordinal));
        return true;
    }

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);

    [DllImport("libc", EntryPoint = "mprotect")]
    private static extern int Mprotect(nint address, nuint length, int protection);
}
