using BenchmarkDotNet.Running;

namespace ParallelExec.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/ParallelExec.Benchmarks -- --filter '*Keccak*'
    // dotnet run -c Release --project bench/ParallelExec.Benchmarks -- --filter '*' --job short   (whole suite, < 15 min on 2 cores)
    // dotnet run -c Release --project bench/ParallelExec.Benchmarks -- trie-update | trie-export | trie-scratch 1 2   (stopwatch harness, see TrieUpdateHarness)
    // dotnet run -c Release --project bench/ParallelExec.Benchmarks -- store-reads DIR   (flat-state point reads of a database, see StoreReadHarness)
    public static void Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "trie-update":
                Trie.TrieUpdateHarness.Update(args.Length > 1 ? int.Parse(args[1]) : 14);
                break;
            case "trie-export":
                Trie.TrieUpdateHarness.Export(args.Length > 1 ? int.Parse(args[1]) : 14);
                break;
            case "trie-scratch":
                Trie.TrieUpdateHarness.Scratch(args.Length > 1 ? args.Skip(1).Select(int.Parse).ToArray() : [1, 2, 1, 2]);
                break;
            case "store-reads" when args.Length > 1:
                Storage.StoreReadHarness.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 8);
                break;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(WithShortIterations(args));
                break;
        }
    }

    // The short job keeps BenchmarkDotNet's 3 warm-up + 3 measured iterations but makes each
    // iteration 200 ms instead of 500 ms, so the whole suite (about 190 benchmarks) fits in
    // 15 minutes on the 2-core reference machine. An explicit --iterationTime still wins.
    private static string[] WithShortIterations(string[] args)
    {
        bool shortJob = false, timeGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--job" or "-j" && i + 1 < args.Length && args[i + 1].Equals("short", StringComparison.OrdinalIgnoreCase)) shortJob = true;
            if (args[i].Equals("--iterationTime", StringComparison.OrdinalIgnoreCase)) timeGiven = true;
        }
        return shortJob && !timeGiven ? [.. args, "--iterationTime", "200"] : args;
    }
}
