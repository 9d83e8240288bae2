using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// The nodes of a partly loaded trie: those in memory first, then the node store for the subtrees
/// not loaded (unchanged since they were stored, so the store's node at that place is the one).
/// </summary>
internal sealed class LayeredTrieNodeSource(ITrieNodeSource memory, ITrieNodeSource store) : ITrieNodeSource
{
    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp) =>
        memory.TryGetNode(owner, path, hash, out rlp) || store.TryGetNode(owner, path, hash, out rlp);
}
