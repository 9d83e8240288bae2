using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Trie nodes held in memory by place, lent rather than copied: what <see cref="MerklePatriciaTrie"/>
/// loads many nodes from at once (a scan of a node store, see <see cref="MerklePatriciaTrie.LoadFrom"/>).
/// Must be safe to read from several threads.
/// </summary>
internal interface ITrieNodeLookup
{
    /// <summary>
    /// The RLP held for the node at <paramref name="path"/> (nibbles, one per byte) of the trie of
    /// <paramref name="owner"/>, valid while the holder lives, when those bytes hash to
    /// <paramref name="hash"/> (what the node's parent names); false when none is held or it holds other bytes.
    /// </summary>
    bool TryFind(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out ReadOnlySpan<byte> rlp);
}
