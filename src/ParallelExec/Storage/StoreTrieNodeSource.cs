using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// The trie nodes an <see cref="IStateStore"/> holds, as an <see cref="ITrieNodeSource"/>. Today's
/// stores key nodes by hash, so the trie and path are not needed to find one.
/// </summary>
public sealed class StoreTrieNodeSource(IStateStore store) : ITrieNodeSource
{
    /// <inheritdoc/>
    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp) => store.TryGetTrieNode(hash, out rlp);
}
