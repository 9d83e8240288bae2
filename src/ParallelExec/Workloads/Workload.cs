using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Workloads;

/// <summary>A generated chain: the state it starts from and its blocks.</summary>
public sealed class Workload(WorkloadOptions options, InMemoryState genesis, Block[] blocks)
{
    public WorkloadOptions Options { get; } = options;
    public InMemoryState Genesis { get; } = genesis;
    public Block[] Blocks { get; } = blocks;
    public int TransactionCount => Blocks.Sum(b => b.Transactions.Count);
}
