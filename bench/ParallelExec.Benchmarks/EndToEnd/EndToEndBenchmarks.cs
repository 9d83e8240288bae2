using BenchmarkDotNet.Attributes;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Storage;
using ParallelExec.Workloads;

namespace ParallelExec.Benchmarks.EndToEnd;

/// <summary>
/// One block end to end — execute, update the state trie, compute the root, commit atomically to
/// the in-memory store — on a state of 100,000 funded accounts, blocks of 10,000 transfers with
/// ~10 µs of work each. Each invocation commits block 1; the cleanup reverts it (not timed).
/// Sequential is the baseline. (The RocksDB end to end runs through `parallelexec replay --db`.)
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
public class EndToEndBenchmarks
{
    private ChainState _chain = null!;
    private Block _block = null!;
    private readonly SequentialExecutor _sequential = new();
    private ParallelExecutor _parallel = null!;

    [Params(0, 22)]
    public int Work { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = WorkloadKind.P2p, Accounts = 100_000, TransactionsPerBlock = 10_000, Seed = 3, Work = Work,
        });
        _block = workload.Blocks[0];
        _chain = ChainState.Create(new InMemoryStateStore(), workload.Genesis.Entries);
        _parallel = new ParallelExecutor(2);
    }

    [GlobalCleanup]
    public void Cleanup() => _parallel.Dispose();

    [IterationCleanup]
    public void RevertBlock()
    {
        if (_chain.Head.Number > 0) _chain.Revert(1);
    }

    [Benchmark(Baseline = true)]
    public Hash256 Sequential() => _chain.Execute(_block, default, _sequential).Block.StateRoot;

    [Benchmark]
    public Hash256 Parallel2() => _chain.Execute(_block, default, _parallel).Block.StateRoot;
}
