using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Stateless;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The execution witness of the block after a state store's head, for a block of a chain file: what
/// a prover over a state larger than memory writes (the in-memory way executes the whole chain from
/// its genesis first). The file must be the store's chain (<see cref="StoredChainMatch"/>); the
/// store is only read.
/// </summary>
public static class StoredChainWitness
{
    /// <summary>
    /// Block <paramref name="number"/> of the chain file in <paramref name="path"/>, which must be the
    /// block after <paramref name="store"/>'s head, executed over the head's state with
    /// <paramref name="executor"/> and <paramref name="executionOptions"/>, and its witness (<see cref="ChainState.Witness"/>), with the post-state
    /// root computed from the witness alone as a stateless verifier computes it. The file's genesis is
    /// compared with the store's by its digest (<see cref="StoredChainMatch.OpenAtBlocks"/>: never held in
    /// memory); <paramref name="cancellationToken"/> stops that and the reading of the blocks before the one asked for.
    /// </summary>
    public static StoredWitness Build(string path, IStateStore store, long number, IBlockExecutor executor, ExecutionOptions? executionOptions = null,
        ChainStateOptions? stateOptions = null, TransactionCodecRegistry? registry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(executor);
        registry ??= TransactionCodecRegistry.Default;
        if (!store.IsInitialized) throw new StateStoreException(StateStoreError.Missing, $"state database {store.Location}: holds no chain yet (no genesis state)");
        var head = store.Head.Number;
        if (number != head + 1)
            throw new ArgumentException($"the database is at block {head}: block {number}'s witness is made from the state after block {number - 1} ("
                                        + (number <= head ? "parallelexec revert --db takes the database back" : $"replay --db --to {number - 1} takes it there") + ")");
        using var reader = StoredChainMatch.OpenAtBlocks(path, registry, ChainReaderOptions.Default, cancellationToken);
        if (reader.Start.Kind != ChainStartKind.Genesis)
            throw new NotSupportedException($"the chain starts from parent state root {reader.Start.ParentRoot}; only a chain with an embedded genesis can be matched with a database");
        StoredChainMatch.CheckGenesis(store, reader.Start, System.IO.Path.GetTempPath());
        long last = store.Genesis.Number;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long offset = reader.Offset;
            var block = reader.ReadNext() ?? throw new ArgumentException($"the chain file has no block {number} (its last is block {last})");
            if (block.Number < number)
            {
                StoredChainMatch.CheckBlock(store, block, registry);
                last = block.Number;
                continue;
            }
            if (block.Number > number) throw new ArgumentException($"the chain file has no block {number} (its blocks start at {block.Number})");
            var chain = ChainState.Open(store, stateOptions);
            var built = chain.Witness(block.Block, executor, executionOptions);
            return new StoredWitness(built.Witness, built.Result, block, reader.Offset - offset, PostStateRoot(built));
        }
    }

    // The root a stateless verifier reaches from the witness alone: a witness that lacks a node the
    // update walks fails here, not in the verifier's hands.
    private static Hash256 PostStateRoot(BlockWitness built)
    {
        var nodes = WitnessNodeSource.TryCreate(built.Witness, out var problem)
                    ?? throw new InvalidOperationException($"the witness built is malformed: {problem}");
        return new WitnessPostStateRoot().ComputePostStateRoot(built.Witness.PreStateRoot, nodes, new WitnessStateReader(built.Witness), built.Result.ChangeSpan);
    }
}
