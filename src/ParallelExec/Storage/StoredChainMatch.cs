using ParallelExec.Blocks;

namespace ParallelExec.Storage;

/// <summary>
/// Whether a chain file is the chain a state store holds: the same genesis (its entries' digest,
/// recorded when the store was created from a chain file, or else its root) and the same hash for every
/// block the store still records. Each check throws <see cref="StateStoreError.Mismatch"/>.
/// </summary>
internal static class StoredChainMatch
{
    /// <summary>
    /// The store's genesis is the one <paramref name="start"/> embeds (a store created otherwise has no
    /// digest: the file's genesis root is computed then, its sort runs in <paramref name="scratch"/>).
    /// </summary>
    public static void CheckGenesis(IStateStore store, ChainStart start, string scratch)
    {
        var recorded = store.Genesis.BlockHash;
        if (recorded != default)
        {
            if (recorded != start.GenesisDigest)
                throw new StateStoreException(StateStoreError.Mismatch,
                    $"the database holds another chain: its genesis was created from entries with digest {recorded}, the chain file's have {start.GenesisDigest}");
            return;
        }
        var fileRoot = ChainState.RootOf(start.GenesisEntries(), scratch);
        if (!fileRoot.Equals(store.Genesis.StateRoot))
            throw new StateStoreException(StateStoreError.Mismatch,
                $"the database holds another chain: its genesis root is {store.Genesis.StateRoot}, the chain file's is {fileRoot}");
    }

    /// <summary><paramref name="block"/>, one the store has committed, hashes as the store recorded it (when it still does).</summary>
    public static void CheckBlock(IStateStore store, ChainBlock block, TransactionCodecRegistry registry)
    {
        if (store.TryGetBlock(block.Number, out var recorded) && !recorded.BlockHash.Equals(BlockHash.Compute(block, registry)))
            throw new StateStoreException(StateStoreError.Mismatch,
                $"the database holds another chain: block {block.Number} of the chain file differs from block {block.Number} in the database");
    }
}
