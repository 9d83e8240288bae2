using BenchmarkDotNet.Running;

namespace ParallelExec.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/ParallelExec.Benchmarks -- --filter '*Keccak*'   (BenchmarkConfig: 10 iterations of >= 250 ms)
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
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchmarkConfig());
                break;
        }
    }
}
