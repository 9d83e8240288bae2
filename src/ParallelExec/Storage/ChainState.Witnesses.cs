using ParallelExec.Execution;
using ParallelExec.Stateless;
using ParallelExec.Trie;

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

    /// <summary>
    /// While set, every block <see cref="Execute"/> (or a <see cref="ChainPipeline"/>) applies also gets
    /// its execution witness (<see cref="CommittedBlock.Witness"/>), built from the trie before the
    /// block's changes go into it, so a block is executed once for its commit and its witness. The
    /// blocks must be executed with <see cref="ExecutionOptions.RecordTouchedKeys"/> (the witness is made
    /// of them); a block whose root is computed from its access list beside its execution cannot have one.
    /// The proofs add to the root stage's time (they read the nodes not in memory from the store).
    /// </summary>
    public bool BuildWitnesses { get; set; }

    // The witness of a block about to be applied: the trie holds the state before it, its root computed.
    private static ExecutionWitness WitnessOf(ExecutedBlock executed, StateTrie trie)
    {
        var result = executed.Result;
        if (result.ReceiptSpan.Length > 0 && result.TouchedKeys.Length == 0)
            throw new InvalidOperationException($"block {executed.Block.Header.Number} was executed without recording its touched keys: a witness is made of them");
        return WitnessBuilder.Build(trie, executed.Block.Header.Number, result);
    }
}
