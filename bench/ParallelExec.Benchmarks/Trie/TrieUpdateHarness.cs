using System.Diagnostics;
using ParallelExec.Metrics;
using ParallelExec.Trie;

namespace ParallelExec.Benchmarks.Trie;

/// <summary>
/// Issue #3's two trie figures with a stopwatch: faster than BenchmarkDotNet's
/// <see cref="TrieIncrementalBenchmarks"/> and with <c>Apply</c> and <c>ComputeRoot</c> timed apart.
/// <code>
/// dotnet run -c Release --project bench/ParallelExec.Benchmarks -- trie-update [rounds]      # 20,000 of 1,000,000 accounts per round, 1 and 2 threads in turn
/// dotnet run -c Release --project bench/ParallelExec.Benchmarks -- trie-scratch [threads...] # hashing 1,000,000 account leaves from scratch, and the Keccak floors
/// </code>
/// </summary>
internal static class TrieUpdateHarness
{
    private const int Total = 1_000_000;
    private const int Touched = 20_000;

    public static void Update(int rounds)
    {
        var started = Stopwatch.GetTimestamp();
        var trie = StateTrie.FromState(BenchmarkAccounts.State(Total), degreeOfParallelism: 2);
        Console.WriteLine($"built {Total:N0} accounts in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms; the first rounds include JIT tiering");
        CollectEverything();
        var random = new Random(7);
        for (int round = 0; round < rounds; round++)
        {
            int threads = 1 + round % 2;
            var changes = BenchmarkAccounts.Touch(random, Total, Touched);
            long hashes = trie.HashCount;
            var collector = CollectorActivity.Now();
            long t0 = Stopwatch.GetTimestamp();
            trie.Apply(changes);
            long t1 = Stopwatch.GetTimestamp();
            trie.ComputeRoot(threads);
            long t2 = Stopwatch.GetTimestamp();
            Console.WriteLine($"round {round,2} threads {threads}: apply {Ms(t0, t1),5:F1} ms, root {Ms(t1, t2),5:F1} ms, " +
                              $"total {Ms(t0, t2),5:F1} ms, hashes {trie.HashCount - hashes}, {Collections(CollectorActivity.Now().Since(collector))}");
        }
    }

    private static string Collections(CollectorActivity c) => $"collections gen0 {c.Gen0} gen1 {c.Gen1} full {c.Gen2} ({c.Pause.TotalMilliseconds:F1} ms paused)";

    /// <summary>
    /// The root with the node export on one thread, as the pipeline's stage runs it: the nodes handed
    /// over by the hashing against the export that walked and re-encoded the dirty nodes (two equal
    /// tries take the same changes, in turn first). Times are the thread's CPU time.
    /// </summary>
    public static void Export(int rounds)
    {
        var state = BenchmarkAccounts.State(Total);
        var handedOver = StateTrie.FromState(state, degreeOfParallelism: 2);
        var walked = StateTrie.FromState(state, degreeOfParallelism: 2);
        var nodes = new TrieNodeSet(1 << 16);
        CollectEverything();
        var random = new Random(7);
        double sumNew = 0, sumOld = 0;
        for (int round = 0; round < rounds; round++)
        {
            var changes = BenchmarkAccounts.Touch(random, Total, Touched);
            double tNew = 0, tOld = 0;
            int count = 0;
            for (int k = 0; k < 2; k++)
            {
                bool fresh = (round + k) % 2 == 0;
                var trie = fresh ? handedOver : walked;
                trie.Apply(changes);
                nodes.Clear();
                var t0 = ThreadCpu();
                if (fresh) trie.ComputeRoot(1, nodes);
                else trie.ComputeRootExportingByWalk(1, nodes);
                double ms = (ThreadCpu() - t0).TotalMilliseconds;
                if (fresh) tNew = ms;
                else tOld = ms;
                count = nodes.Count;
            }
            if (round >= 2)
            {
                sumNew += tNew;
                sumOld += tOld;
            }
            Console.WriteLine($"round {round,2}: root + export, nodes handed over {tNew,6:F1} ms, walked {tOld,6:F1} ms (CPU), {count:N0} nodes");
        }
        if (rounds > 2) Console.WriteLine($"mean of rounds 2..: handed over {sumNew / (rounds - 2):F1} ms, walked {sumOld / (rounds - 2):F1} ms");
    }

    /// <summary>This thread's CPU time (Linux: CLOCK_THREAD_CPUTIME_ID); a stopwatch would count time spent descheduled.</summary>
    private static TimeSpan ThreadCpu()
    {
        if (ClockGetTime(3, out var ts) != 0) throw new InvalidOperationException("clock_gettime failed");
        return TimeSpan.FromTicks(ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    public static void Scratch(IReadOnlyList<int> threadCounts)
    {
        for (int w = 0; w < 6; w++) BenchmarkAccounts.AccountTrie(100_000); // JIT warm-up (builds and hashes)
        foreach (int threads in threadCounts)
        {
            var trie = BenchmarkAccounts.UnhashedAccountTrie(Total);
            CollectEverything();
            long hashes = trie.HashCount;
            long t0 = Stopwatch.GetTimestamp();
            trie.ComputeRoot(threads);
            long t1 = Stopwatch.GetTimestamp();
            long count = trie.HashCount - hashes;
            Console.WriteLine($"from scratch, threads {threads}: {Ms(t0, t1):F0} ms, {count:N0} node hashes, {Ms(t0, t1) * 1e6 / count:F0} ns per node hash");
        }
        var lengths = BenchmarkAccounts.UnhashedAccountTrie(Total).HashedNodeLengths(dirtyOnly: true);
        var lengthArray = lengths.ToArray();
        byte[] buffer = new byte[1024], digest = new byte[32], digests = BenchmarkAccounts.BatchDigests();
        long s0 = Stopwatch.GetTimestamp();
        BenchmarkAccounts.Floor(lengths, buffer, digest);
        long s1 = Stopwatch.GetTimestamp();
        BenchmarkAccounts.BatchFloor(lengthArray, buffer, digests);
        long s2 = Stopwatch.GetTimestamp();
        Console.WriteLine($"floor, bare Keccak of the same {lengths.Count:N0} node lengths: scalar {Ms(s0, s1) * 1e6 / lengths.Count:F0} ns, batched {Ms(s1, s2) * 1e6 / lengths.Count:F0} ns per hash");
    }

    private static void CollectEverything()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
