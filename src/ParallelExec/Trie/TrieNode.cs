namespace ParallelExec.Trie;

/// <summary>
/// A node of the hexary Merkle Patricia Trie. Paths are never copied: a node's path is a slice of
/// the nibbles of a full key (its absolute depth is known from the walk), so splitting and merging
/// nodes only changes lengths and pointers. Each node caches its <see cref="NodeReference"/>;
/// every change clears the cache of the changed node and of all its ancestors.
/// </summary>
internal abstract class TrieNode
{
    public NodeReference Reference;

    /// <summary>
    /// The <see cref="MerklePatriciaTrie.Generation"/> in which the hasher last computed
    /// <see cref="Reference"/>: a node is never older than a descendant (a change re-hashes every
    /// ancestor), so the nodes hashed after a generation form a subtree hanging from the root.
    /// <see cref="StateTrie"/> uses it to find the nodes not yet persisted. (Fits the padding after
    /// <see cref="Reference"/>: no larger object.)
    /// </summary>
    public int Generation;

    /// <summary>
    /// The node has a record of its own at its place in a node store, as of its last hashing (its
    /// reference is a hash, or it is its trie's root; loaded or unresolved nodes came from there). A
    /// stored node that leaves its place, or is re-encoded under 32 bytes, is logged for removal
    /// (<see cref="TrieRemovalLog"/>). (Fits the padding after <see cref="Reference"/>.)
    /// </summary>
    public bool Stored;

    public bool IsDirty => Reference.Length == 0;

    public void MarkDirty() => Reference.Length = 0;

    /// <summary>
    /// Any full key stored below this node (every key below shares the node's path); null when none
    /// is in memory (an <see cref="UnresolvedNode"/>, or a branch whose children are all unresolved).
    /// </summary>
    public abstract byte[]? AnyKey();
}
