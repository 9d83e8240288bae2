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

    /// <summary>
    /// A reader of the chain file in <paramref name="path"/> for a store that holds its chain already,
    /// where the genesis is only compared by its digest: a file whose end record gives the digest
    /// (format version 3) is opened at its first block with one seek, the genesis not read (a 30 M-account
    /// file's took ~5 s to check); an older file's genesis is read and checked to compute it.
    /// <paramref name="options"/> say how the caller reads the blocks.
    /// </summary>
    public static ChainReader OpenAtBlocks(string path, TransactionCodecRegistry registry, ChainReaderOptions options, CancellationToken cancellationToken)
    {
        var reader = ChainReader.Open(path, registry, options with { GenesisInMemory = false, CheckGenesis = false }, cancellationToken);
        if (reader.Start.Kind != ChainStartKind.Genesis || reader.Start.GenesisDigest != default) return reader;
        reader.Dispose();
        return ChainReader.Open(path, registry, options with { GenesisInMemory = false, CheckGenesis = true }, cancellationToken);
    }

    /// <summary><paramref name="block"/>, one the store has committed, hashes as the store recorded it (when it still does).</summary>
    public static void CheckBlock(IStateStore store, ChainBlock block, TransactionCodecRegistry registry)
    {
        if (store.TryGetBlock(block.Number, out var recorded) && !recorded.BlockHash.Equals(BlockHash.Compute(block, registry)))
            throw new StateStoreException(StateStoreError.Mismatch,
                $"the database holds another chain: block {block.Number} of the chain file differs from block {block.Number} in the database");
    }
}
