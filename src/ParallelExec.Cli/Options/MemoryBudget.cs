using System.Globalization;
using ParallelExec.Workloads;

namespace ParallelExec.Cli.Options;

/// <summary>
/// Checks the sizes asked for (accounts, transactions per block, blocks) against the memory this
/// machine has available before anything is generated, so that a size that cannot fit is a one-line
/// error saying what does fit, not minutes of swapping or an <see cref="OutOfMemoryException"/>.
/// Each command states its estimate as a function of the three sizes, linear in each one alone
/// (copies of the state per block are a product of two), which is how the largest size that fits is found.
/// </summary>
internal static class MemoryBudget
{
    // Measured with GC.GetTotalMemory over 100,000-200,000 generated accounts / transactions (.NET 10, Release):
    // an InMemoryState entry 130-200 B, a generated transaction 8-140 B, an executor's working set 3.5-3.7 KB per
    // transaction of its block, a ChainState in memory (flat state + trie) up to 650 B per entry; rounded up.
    public const long BytesPerStateEntry = 200, BytesPerTransaction = 150, ExecutorBytesPerBlockTransaction = 4096, ChainBytesPerStateEntry = 700;

    /// <summary>State entries per funded account of a workload's genesis (nonce, balance, token balance, pool token balances).</summary>
    public static int EntriesPerAccount(WorkloadOptions options, IEnumerable<WorkloadKind> kinds) => kinds.Max(kind =>
        2 + (kind is WorkloadKind.Token or WorkloadKind.Mixed ? 1 : 0) + (kind is WorkloadKind.Amm or WorkloadKind.Mixed ? 2 * options.Pools : 0));

    /// <summary>Bytes a run needs for (accounts, transactions per block, blocks).</summary>
    public delegate double Estimate(double accounts, double txs, double blocks);

    /// <summary>
    /// Bytes this process may use: the smaller of the runtime's limit (physical memory or the container's)
    /// and, on Linux, what the system reports as available now plus what this process already holds.
    /// </summary>
    public static long Available()
    {
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var kb = long.Parse(line.AsSpan(13).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                return Math.Min(limit, kb * 1024 + Environment.WorkingSet);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return limit;
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming what fits when the sizes of <paramref name="options"/>
    /// need more than <paramref name="available"/> bytes under <paramref name="estimate"/>.
    /// </summary>
    public static void Check(WorkloadOptions options, Estimate estimate, long available)
    {
        double accounts = options.Accounts, txs = options.TransactionsPerBlock, blocks = options.Blocks;
        double needed = estimate(accounts, txs, blocks);
        if (needed <= available) return;
        // Each size alone, the others as given (the estimate is linear in it): the largest value that still fits.
        var fits = new List<string>();
        void Fit(string option, Func<double, double> bytes, double min)
        {
            double rest = bytes(0), perUnit = bytes(1) - rest;
            double most = Math.Min(int.MaxValue, Math.Floor((available - rest) / perUnit));
            if (perUnit > 0 && most >= min) fits.Add(string.Create(CultureInfo.InvariantCulture, $"{option} {most:N0}"));
        }
        Fit("--accounts", a => estimate(a, txs, blocks), 2);
        Fit("--txs", t => estimate(accounts, t, blocks), 1);
        Fit("--blocks", b => estimate(accounts, txs, b), 1);
        string what = string.Create(CultureInfo.InvariantCulture,
            $"{accounts:N0} accounts, {txs:N0} txs x {blocks:N0} blocks need about {Describe(needed)} of memory; this machine has {Describe(available)} available");
        throw new ArgumentException(fits.Count == 0
            ? $"{what}: make every size smaller"
            : $"{what}: at most {string.Join(", or ", fits)} fits with the other sizes as given");
    }

    /// <summary>A byte count as a person reads it (MiB, GiB, TiB).</summary>
    public static string Describe(double bytes) => bytes switch
    {
        >= 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 40):N1} TiB"),
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 30):N1} GiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 20):N0} MiB"),
    };
}
