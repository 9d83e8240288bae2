using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Where trie nodes that are not in memory are loaded from: the state database today, a witness
/// (the nodes a block touched, shipped with it) for stateless verification. A node is named by the
/// trie it belongs to, its place in that trie and its hash, so a source may key its nodes by path or
/// by hash; the caller checks that the bytes returned hash to <c>hash</c>. Implementations must be
/// safe to call from several threads.
/// </summary>
public interface ITrieNodeSource
{
    /// <summary>
    /// The RLP of the node with Keccak-256 <paramref name="hash"/>, found in the trie of
    /// <paramref name="owner"/> (empty: the account trie; else the 32-byte hashed address of the
    /// account whose storage trie it is) at <paramref name="path"/> (nibbles from that trie's root,
    /// one per byte). False when the source does not have it.
    /// </summary>
    bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp);

    /// <summary>
    /// Several nodes of one trie at once, as <see cref="TryGetNode"/> gives each: <paramref name="rlps"/>[i]
    /// is the node at <paramref name="paths"/>[i] with hash <paramref name="hashes"/>[i], or null. A
    /// source with a batched read (a database's multi-get) answers many for less than a call each.
    /// </summary>
    void TryGetNodes(ReadOnlySpan<byte> owner, ReadOnlySpan<byte[]> paths, ReadOnlySpan<Hash256> hashes, Span<byte[]?> rlps)
    {
        for (int i = 0; i < paths.Length; i++) rlps[i] = TryGetNode(owner, paths[i], hashes[i], out var rlp) ? rlp : null;
    }
}
