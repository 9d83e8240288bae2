using System.Diagnostics;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// How long a cache line takes to move from one core to another here: two threads hand one value
/// back and forth, each spinning until the other has written it. Every speculative transaction's
/// output, version lists and status move between cores on their way to the committer, so this
/// latency, not the core count alone, decides how cheap a transaction can be and still gain from
/// speculation (on a hypervisor it can be several times a bare-metal machine's). The two threads go
/// where the operating system puts them (two cores, two hyperthreads of one core, two sockets):
/// the figure is what a worker pair meets on this machine, not a property of one pair of cores.
/// </summary>
public static class CoreToCoreLatency
{
    private const int Trials = 5;
    private static readonly TimeSpan TrialTime = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The median over a few 20 ms trials of one move of a line between the two threads, in
    /// nanoseconds (half a round trip); null on one core, or when the threads could not take turns
    /// often enough to time (they shared a core).
    /// </summary>
    public static double? MeasureNanoseconds()
    {
        if (Environment.ProcessorCount < 2) return null;
        var trials = new List<double>(Trials);
        for (int t = 0; t < Trials; t++)
        {
            if (Trial() is { } ns) trials.Add(ns);
        }
        if (trials.Count == 0) return null;
        trials.Sort();
        return trials[trials.Count / 2];
    }

    /// <summary>A measured latency as the JSON reports give it: whole nanoseconds, or null.</summary>
    public static double? ForJson(double? nanoseconds) => nanoseconds is { } ns ? Math.Round(ns) : null;

    private static double? Trial()
    {
        // The value and the stop flag each sit in the middle of a 256-byte array: no other object
        // shares their lines, and the flag's line stays in both caches until it is set.
        var cell = new long[32];
        var stop = new long[32];
        const int At = 16;
        var partner = new Thread(() =>
        {
            // Answers each even value with the next odd one until told to stop.
            for (long expected = 0; ; expected += 2)
            {
                while (Volatile.Read(ref cell[At]) != expected)
                {
                    if (Volatile.Read(ref stop[At]) != 0) return;
                }
                Volatile.Write(ref cell[At], expected + 1);
            }
        }) { IsBackground = true, Name = "core-to-core" };
        partner.Start();
        long roundTrips = 0;
        var clock = Stopwatch.StartNew();
        // Waits for the partner's odd answer, then writes the next even value: one round trip each.
        for (long next = 1; clock.Elapsed < TrialTime; next += 2)
        {
            while (Volatile.Read(ref cell[At]) != next)
            {
                if (clock.Elapsed >= TrialTime) goto done;
            }
            Volatile.Write(ref cell[At], next + 1);
            roundTrips++;
        }
    done:
        double elapsed = clock.Elapsed.TotalNanoseconds;
        Volatile.Write(ref stop[At], 1);
        partner.Join();
        // Threads that share a core take turns at the scheduler's pace: too few trips to mean anything.
        return roundTrips < 1_000 ? null : elapsed / roundTrips / 2;
    }
}
