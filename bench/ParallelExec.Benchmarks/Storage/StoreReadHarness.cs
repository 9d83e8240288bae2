using System.Diagnostics;
using ParallelExec.State;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Benchmarks.Storage;

/// <summary>
/// Point reads of the flat state of an existing database, as execution does them: random keys of a
/// large state, one <see cref="RocksDbStateStore.TryGet"/> each, and batched as a block's declared keys
/// are prefetched (<see cref="RocksDbStateStore.TryGetMany"/>), on 1 and 2 threads. Stopwatch, not
/// BenchmarkDotNet: the interesting state (levels, block cache, memtable) is that of a real database.
/// <code>
/// dotnet run -c Release --project bench/ParallelExec.Benchmarks -- store-reads DIR [rounds]
/// </code>
/// Work on a copy: opening takes the database's lock and may compact it.
/// </summary>
internal static class StoreReadHarness
{
    private const int Keys = 200_000;

    public static void Run(string path, int rounds)
    {
        using var store = RocksDbStateStore.Open(path);
        var keys = SampleKeys(store);
        Console.WriteLine($"{path}: head {store.Head.Number}, {keys.Length:N0} sampled keys");
        for (int round = 0; round < rounds; round++)
        {
            int threads = 1 + round % 2;
            bool batched = round % 4 >= 2;
            long t0 = Stopwatch.GetTimestamp();
            int found = batched ? ReadBatched(store, keys, threads) : ReadAll(store, keys, threads);
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            Console.WriteLine($"round {round,2} threads {threads} {(batched ? "multiget" : "get     ")}: {ms,6:F1} ms, {ms * 1e6 / keys.Length * threads,5:F0} ns per read per thread, {found:N0} found");
        }
    }

    // Every 10th key of the flat state, shuffled with a fixed seed: spread over the key space like
    // the accounts of a block.
    private static StateKey[] SampleKeys(RocksDbStateStore store)
    {
        var keys = new List<StateKey>(Keys);
        int i = 0;
        foreach (var (key, _) in store.Entries())
        {
            if (i++ % 10 == 0) keys.Add(key);
            if (keys.Count == Keys) break;
        }
        var array = keys.ToArray();
        new Random(11).Shuffle(array);
        return array;
    }

    // TryGetMany in chunks of a block's worth of declared keys (10,000 transfers declare ~30,000),
    // each thread its own chunks, as ChainState prefetches them.
    private static int ReadBatched(RocksDbStateStore store, StateKey[] keys, int threads)
    {
        const int Chunk = 30_000;
        int found = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var values = new UInt256[Chunk];
            var present = new bool[Chunk];
            int local = 0;
            for (int start = t * Chunk; start < keys.Length; start += threads * Chunk)
            {
                int n = Math.Min(Chunk, keys.Length - start);
                store.TryGetMany(keys.AsSpan(start, n), values, present);
                for (int i = 0; i < n; i++) if (present[i]) local++;
            }
            Interlocked.Add(ref found, local);
        });
        return found;
    }

    private static int ReadAll(RocksDbStateStore store, StateKey[] keys, int threads)
    {
        int found = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int local = 0;
            for (int k = t; k < keys.Length; k += threads)
                if (store.TryGet(keys[k], out _)) local++;
            Interlocked.Add(ref found, local);
        });
        return found;
    }
}
