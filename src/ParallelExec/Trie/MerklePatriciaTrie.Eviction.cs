namespace ParallelExec.Trie;

/// <summary>
/// Bounded memory: subtrees already in the node source are turned back into
/// <see cref="UnresolvedNode"/>s (only their hash kept), to be loaded again when a walk needs them.
/// </summary>
public sealed partial class MerklePatriciaTrie
{
    // Estimated bytes of a node in memory (object header, fields, arrays it owns), for the budget.
    internal const int LeafBytes = 150, ExtensionBytes = 110, BranchBytes = 220, UnresolvedBytes = 64, TrieBytes = 160;

    /// <summary>Lets a trie built in memory (all of whose nodes are in <paramref name="source"/>) load what it evicts.</summary>
    internal void UseSource(ITrieNodeSource source) => _source = source;

    /// <summary>
    /// Estimated bytes of this trie's nodes in memory, and their number (unresolved ones included);
    /// walks the nodes in memory.
    /// </summary>
    internal (long Bytes, long Nodes) Resident()
    {
        long bytes = TrieBytes, nodes = 0;
        if (_root is not null) Measure(_root, ref bytes, ref nodes);
        return (bytes, nodes);
    }

    private static void Measure(TrieNode node, ref long bytes, ref long nodes)
    {
        nodes++;
        switch (node)
        {
            case LeafNode leaf:
                bytes += LeafBytes + leaf.Key.Length + leaf.Value.Length;
                break;
            case ExtensionNode ext:
                bytes += ExtensionBytes + ext.KeySource.Length;
                Measure(ext.Child, ref bytes, ref nodes);
                break;
            case BranchNode branch:
                bytes += BranchBytes + (branch.Rlp?.Length ?? 0) + (branch.Value?.Length ?? 0);
                foreach (var child in branch.Children)
                {
                    if (child is not null) Measure(child, ref bytes, ref nodes);
                }
                break;
            default:
                if (!ReferenceEquals(node, UnresolvedNode.InParent)) bytes += UnresolvedBytes; // the shared one costs its parent's slot only
                break;
        }
    }

    /// <summary>
    /// Replaces every subtree below nibble depth <paramref name="keepDepth"/> whose root is clean,
    /// referenced by hash and of generation <paramref name="persistedGeneration"/> or older (in the
    /// node source with its whole subtree, see <see cref="StateTrie"/>'s persistence) by an
    /// <see cref="UnresolvedNode"/>. Nodes above that depth stay (every walk passes them), as do
    /// dirty or newer nodes and nodes embedded in their parent. Returns the subtrees unloaded.
    /// </summary>
    internal int Unload(int keepDepth, int persistedGeneration)
    {
        if (_source is null) throw new InvalidOperationException("a trie without a node source cannot unload nodes");
        return _root is null ? 0 : UnloadBelow(_root, 0, keepDepth, persistedGeneration);
    }

    private static int UnloadBelow(TrieNode node, int depth, int keepDepth, int persistedGeneration)
    {
        int unloaded = 0;
        switch (node)
        {
            case ExtensionNode ext:
                if (Unloadable(ext.Child, depth + ext.Length, keepDepth, persistedGeneration))
                {
                    ext.Child = new UnresolvedNode(ext.Child.Reference.Bytes);
                    return 1;
                }
                return UnloadBelow(ext.Child, depth + ext.Length, keepDepth, persistedGeneration);
            case BranchNode branch:
                var children = branch.Children;
                for (int i = 0; i < 16; i++)
                {
                    if (children[i] is not { } child) continue;
                    if (Unloadable(child, depth + 1, keepDepth, persistedGeneration))
                    {
                        // The same node by hash, so the kept RLP stays current; its hash is there already when kept.
                        branch.ResolveChild(i, branch.KeepsReferenceOf(i) ? UnresolvedNode.InParent : new UnresolvedNode(child.Reference.Bytes));
                        unloaded++;
                    }
                    else
                    {
                        unloaded += UnloadBelow(child, depth + 1, keepDepth, persistedGeneration);
                    }
                }
                return unloaded;
            default:
                return 0;
        }
    }

    private static bool Unloadable(TrieNode node, int depth, int keepDepth, int persistedGeneration) =>
        depth >= keepDepth && node is not UnresolvedNode && node.Reference.IsHash && node.Generation <= persistedGeneration;
}
