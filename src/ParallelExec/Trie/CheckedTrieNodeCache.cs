using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Nodes already loaded and checked against their hashes, in front of another source: many proofs of
/// one trie (a block's witness proves every account it touched, one at a time) walk the same nodes near
/// the root, and a node of a trie in memory costs a walk from the root, an encoding and a Keccak each
/// time it is asked for. A hash names one node whatever its trie or place, so the cache is keyed by hash
/// and may be shared by the sources of several tries. It returns the same array for the same node.
/// </summary>
internal sealed class CheckedTrieNodeCache(ITrieNodeSource inner, Dictionary<Hash256, byte[]> checkedNodes) : ITrieNodeSource
{
    /// <inheritdoc/>
    /// <remarks>A node the inner source returns with bytes of another hash is returned as it is, not kept: the caller's check reports it.</remarks>
    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp)
    {
        if (checkedNodes.TryGetValue(hash, out rlp!)) return true;
        if (!inner.TryGetNode(owner, path, hash, out rlp)) return false;
        if (Keccak256.Compute(rlp) == hash) checkedNodes[hash] = rlp;
        return true;
    }

    /// <summary><see cref="TrieNodeSources.LoadChecked"/> without hashing a node twice: a kept node was checked when it was kept.</summary>
    public byte[] LoadChecked(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash)
    {
        if (checkedNodes.TryGetValue(hash, out var rlp)) return rlp;
        if (!inner.TryGetNode(owner, path, hash, out rlp)) throw MissingTrieNodeException.For(owner, path, hash, "is not in the node source");
        if (Keccak256.Compute(rlp) != hash) throw MissingTrieNodeException.For(owner, path, hash, "was returned with bytes of another hash");
        checkedNodes[hash] = rlp;
        return rlp;
    }
}
