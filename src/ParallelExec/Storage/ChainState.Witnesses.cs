using ParallelExec.Execution;
using ParallelExec.Stateless;

namespace ParallelExec.Storage;

/// <summary>Execution witnesses of the block after the head, from the store's state.</summary>
public sealed partial class ChainState
{
    /// <summary>
    /// Executes <paramref name="block"/>, the block after the head, over the head's committed state and
    /// builds its execution witness from the head's trie (<see cref="WitnessBuilder"/>): the nodes not
    /// in memory are read from the store along the proofs' paths and not kept, so the memory it takes
    /// is the block's and the witness's, whatever the state's size. Commits nothing: the head stays
    /// where it is. Not while a <see cref="ChainPipeline"/> runs. <see cref="ExecutionOptions.RecordTouchedKeys"/>
    /// is always on (the witness is made of them).
    /// </summary>
    public BlockWitness Witness(Block block, IBlockExecutor executor, ExecutionOptions? executionOptions = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(executor);
        CheckFollows(block, _store.Head.Number);
        var trie = TrieAtHead();
        var options = (executionOptions ?? new ExecutionOptions()) with { RecordTouchedKeys = true };
        var result = executor.Execute(block, _store, options);
        return new BlockWitness(WitnessBuilder.Build(trie, block.Header.Number, result), result);
    }
}
