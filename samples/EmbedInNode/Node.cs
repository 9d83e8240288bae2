using System.Threading.Channels;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Storage;

namespace EmbedInNode;

/// <summary>
/// The node's block loop: takes blocks from a channel one at a time, executes and commits each on
/// its chain, and checks it against a reference chain that executes the same block sequentially.
/// One loop per chain: a <see cref="ChainState"/> has one writer.
/// </summary>
public sealed class Node(ChainState chain, ChainState reference, IBlockExecutor executor, IBlockExecutor referenceExecutor)
{
    /// <summary>Executes and commits every block the reader delivers, until the writer completes the channel.</summary>
    public async Task Follow(ChannelReader<(Block Block, Hash256 Hash)> blocks)
    {
        await foreach (var (block, hash) in blocks.ReadAllAsync())
        {
            var committed = chain.Execute(block, hash, executor);
            var expected = reference.Execute(block, hash, referenceExecutor);

            long number = block.Header.Number;
            var difference = expected.Result.DescribeFirstDifference(committed.Result);
            if (difference is not null)
                throw new SampleCheckException($"block {number}: the parallel result differs from the sequential one: {difference}");
            if (committed.Block.StateRoot != expected.Block.StateRoot)
                throw new SampleCheckException($"block {number}: state root {committed.Block.StateRoot}, sequential {expected.Block.StateRoot}");
            if (committed.Result.Stats.Executor == expected.Result.Stats.Executor)
                throw new SampleCheckException($"block {number}: the chain did not run the parallel executor");

            int rejected = 0;
            foreach (var receipt in committed.Result.Receipts) if (!receipt.Success) rejected++;
            Console.WriteLine($"block {number}: {block.Transactions.Count} votes, {rejected} rejected (already voted), " +
                              $"{committed.Result.Stats.Reexecutions} re-executions, root {committed.Block.StateRoot}");
        }
    }
}
