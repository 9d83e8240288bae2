using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// The trie nodes an <see cref="IStateStore"/> holds (the trie of <see cref="IStateStore.TrieNodesAt"/>),
/// as an <see cref="ITrieNodeSource"/>. The store keeps nodes by place; the caller checks the hash.
/// </summary>
public sealed class StoreTrieNodeSource(IStateStore store) : ITrieNodeSource
{
    /// <inheritdoc/>
    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp) => store.TryGetTrieNode(owner, path, out rlp);
}
