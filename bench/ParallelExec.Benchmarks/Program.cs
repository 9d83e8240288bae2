using BenchmarkDotNet.Running;

namespace ParallelExec.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/ParallelExec.Benchmarks -- --filter '*Keccak*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
