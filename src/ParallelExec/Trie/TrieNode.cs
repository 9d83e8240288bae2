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

    public bool IsDirty => Reference.Length == 0;

    public void MarkDirty() => Reference.Length = 0;

    /// <summary>Any full key stored below this node (every key below shares the node's path).</summary>
    public abstract byte[] AnyKey();
}
