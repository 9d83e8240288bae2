using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Workloads;

/// <summary>A generated chain: the state it starts from and its blocks.</summary>
public sealed class Workload(WorkloadOptions options, InMemoryState genesis, Block[] blocks)
{
    /// <summary>The options it was generated with.</summary>
    public WorkloadOptions Options { get; } = options;
    /// <summary>The state before the first block.</summary>
    public InMemoryState Genesis { get; } = genesis;
    /// <summary>The blocks, each following the one before.</summary>
    public Block[] Blocks { get; } = blocks;
    /// <summary>Transactions in all blocks.</summary>
    public int TransactionCount => Blocks.Sum(b => b.Transactions.Count);
}
