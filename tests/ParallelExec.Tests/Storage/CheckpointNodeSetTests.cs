using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Storage;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Storage;

/// <summary>
/// The node set a checkpoint's root fills is emptied as soon as the block's commit lands, so its
/// export (hundreds of megabytes over a large state) is not kept alive through the blocks until the
/// next checkpoint; blocks between checkpoints carry no set.
/// </summary>
public class CheckpointNodeSetTests
{
    [Fact]
    public void A_checkpoints_exported_nodes_are_let_go_once_its_commit_lands()
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = WorkloadKind.Mixed, Accounts = 300, TransactionsPerBlock = 80, Blocks = 4, Seed = 7, Pools = 2,
        });
        var store = new InMemoryStateStore();
        var chain = ChainState.Create(store, workload.Genesis.Entries, options: new ChainStateOptions { TrieNodeInterval = 2, RootParallelism = 1 });
        var executor = new SequentialExecutor();
        foreach (var block in workload.Blocks)
        {
            var executed = chain.ExecuteOver(store, block, executor, null);
            var rooted = chain.Root(executed, BlockHash.Compute(new ChainBlock(block)), accept: null);
            bool checkpoint = block.Header.Number % 2 == 0;
            Assert.Equal(checkpoint, rooted.Nodes is { Count: > 0 });
            var committed = chain.Commit(rooted);
            Assert.Equal(checkpoint, committed.TrieNodes > 0); // the count is reported from before the set was let go
            if (checkpoint) Assert.Empty(rooted.Nodes!);
        }
        Assert.Equal(workload.Blocks.Length, store.Head.Number);
    }
}
