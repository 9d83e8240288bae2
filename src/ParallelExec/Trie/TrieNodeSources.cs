using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>Loading a node from an <see cref="ITrieNodeSource"/> the way every walk must: checked against its hash.</summary>
internal static class TrieNodeSources
{
    /// <summary>
    /// The RLP of the node <paramref name="hash"/> at <paramref name="path"/> of the trie of
    /// <paramref name="owner"/>; throws <see cref="MissingTrieNodeException"/> naming the place when the
    /// source lacks it or returns bytes of another hash.
    /// </summary>
    public static byte[] LoadChecked(this ITrieNodeSource source, ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash)
    {
        if (source is CheckedTrieNodeCache cache) return cache.LoadChecked(owner, path, hash);
        if (!source.TryGetNode(owner, path, hash, out var rlp)) throw MissingTrieNodeException.For(owner, path, hash, "is not in the node source");
        if (Keccak256.Compute(rlp) != hash) throw MissingTrieNodeException.For(owner, path, hash, "was returned with bytes of another hash");
        return rlp;
    }
}
