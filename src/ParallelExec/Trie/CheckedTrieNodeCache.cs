using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Nodes already loaded and checked, in front of the trie's nodes in memory and a store: many proofs of
/// one trie (a block's witness proves every account it touched, one at a time) walk the same nodes near
/// the root, and a node costs a walk from the root and an encoding each time it is asked for. A hash
/// names one node whatever its trie or place, so the cache is keyed by hash and may be shared by the
/// sources of several tries. It returns the same array for the same node.
/// <para>
/// A node from the trie in memory is not hashed again: it is encoded from the references the trie's
/// root was computed from (<see cref="InMemoryTrieNodeSource"/>), so a walk from that root meets the
/// node its parent names. A node from the store is checked against its hash before it is kept.
/// </para>
/// </summary>
internal sealed class CheckedTrieNodeCache(ITrieNodeSource memory, ITrieNodeSource? store, Dictionary<Hash256, byte[]> checkedNodes) : ITrieNodeSource
{
    /// <inheritdoc/>
    /// <remarks>A node the store returns with bytes of another hash is returned as it is, not kept: the caller's check reports it.</remarks>
    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp) =>
        Find(owner, path, hash, out rlp) != Found.Missing;

    /// <summary><see cref="TrieNodeSources.LoadChecked"/> without hashing a node twice: a kept node was checked when it was kept.</summary>
    public byte[] LoadChecked(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash) => Find(owner, path, hash, out var rlp) switch
    {
        Found.Kept => rlp,
        Found.Missing => throw MissingTrieNodeException.For(owner, path, hash, "is not in the node source"),
        _ => throw MissingTrieNodeException.For(owner, path, hash, "was returned with bytes of another hash"),
    };

    private enum Found { Missing, Kept, OtherHash }

    // The cache, then the trie in memory (kept as it is), then the store (kept once it hashes right).
    private Found Find(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp)
    {
        if (checkedNodes.TryGetValue(hash, out rlp!)) return Found.Kept;
        if (!memory.TryGetNode(owner, path, hash, out rlp))
        {
            if (store is null || !store.TryGetNode(owner, path, hash, out rlp)) return Found.Missing;
            if (Keccak256.Compute(rlp) != hash) return Found.OtherHash;
        }
        checkedNodes[hash] = rlp;
        return Found.Kept;
    }
}
