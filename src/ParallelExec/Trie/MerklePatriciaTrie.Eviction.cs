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
    internal (long Bytes, long Nodes) Resident() => Resident(keepDepth: int.MaxValue, newest: 0, bytesByAge: default); // nothing goes below int.MaxValue

    /// <summary>Estimated bytes of <paramref name="node"/> itself (not its children).</summary>
    private static long NodeBytes(TrieNode node) => node switch
    {
        LeafNode leaf => LeafBytes + leaf.Key.Length + leaf.Value.Length,
        ExtensionNode ext => ExtensionBytes + ext.KeySource.Length,
        BranchNode branch => BranchBytes + (branch.Rlp?.Length ?? 0) + (branch.Value?.Length ?? 0),
        _ => ReferenceEquals(node, UnresolvedNode.InParent) ? 0 : UnresolvedBytes, // the shared one costs its parent's slot only
    };

    /// <summary>
    /// <see cref="Resident()"/>, and what <see cref="Unload(int, int)"/> with <paramref name="keepDepth"/> would
    /// drop, by age: each node's bytes are added to <paramref name="bytesByAge"/>[<paramref name="newest"/>
    /// − g] (the last slot takes every older one), where g is the generation of the subtree it would go
    /// with (its own if it can be unloaded itself, else that of the nearest ancestor that can; a node
    /// is never older than a descendant, so an unload of generations up to G takes exactly the nodes
    /// with g ≤ G). Nodes no unload takes (above <paramref name="keepDepth"/>) count in the total only.
    /// </summary>
    internal (long Bytes, long Nodes) Resident(int keepDepth, int newest, Span<long> bytesByAge) => Resident(keepDepth, newest, bytesByAge, -1);

    /// <summary>
    /// As <see cref="Resident(int, int, Span{long})"/>; the nodes no unload takes by themselves (the
    /// root, and those in memory only as their parent's reference) go with <paramref name="rootGoesWith"/>
    /// (-1: nowhere): a storage trie goes whole with its account.
    /// </summary>
    internal (long Bytes, long Nodes) Resident(int keepDepth, int newest, Span<long> bytesByAge, int rootGoesWith)
    {
        long bytes = TrieBytes, nodes = 0;
        if (_root is not null) MeasureByAge(_root, 0, rootGoesWith, keepDepth, newest, bytesByAge, ref bytes, ref nodes);
        return (bytes, nodes);
    }

    private static void MeasureByAge(TrieNode node, int depth, int goesWith, int keepDepth, int newest, Span<long> bytesByAge, ref long bytes, ref long nodes)
    {
        if (depth > 0 && Unloadable(node, depth, keepDepth, int.MaxValue)) goesWith = node.Generation;
        long own = NodeBytes(node);
        nodes++;
        bytes += own;
        if (goesWith >= 0) bytesByAge[Math.Clamp(newest - goesWith, 0, bytesByAge.Length - 1)] += own;
        switch (node)
        {
            case ExtensionNode ext:
                MeasureByAge(ext.Child, depth + ext.Length, goesWith, keepDepth, newest, bytesByAge, ref bytes, ref nodes);
                break;
            case BranchNode branch:
                foreach (var child in branch.Children)
                {
                    if (child is not null) MeasureByAge(child, depth + 1, goesWith, keepDepth, newest, bytesByAge, ref bytes, ref nodes);
                }
                break;
        }
    }

    /// <summary>
    /// Replaces every subtree below nibble depth <paramref name="keepDepth"/> whose root is clean,
    /// referenced by hash and of generation <paramref name="upToGeneration"/> or older by an
    /// <see cref="UnresolvedNode"/>. That generation is at most the last persisted one (then such a
    /// subtree is in the node source whole, see <see cref="StateTrie"/>'s persistence); an older one
    /// keeps what the last blocks wrote. Nodes above that depth stay (every walk passes them), as do
    /// dirty or newer nodes and nodes embedded in their parent. Returns the subtrees unloaded.
    /// </summary>
    internal int Unload(int keepDepth, int upToGeneration) => Unload(keepDepth, upToGeneration, out _);

    /// <summary>As <see cref="Unload(int, int)"/>; <paramref name="addedBytes"/>: what the unresolved nodes put in their place take (<see cref="NodeBytes"/>).</summary>
    internal int Unload(int keepDepth, int upToGeneration, out long addedBytes)
    {
        if (_source is null) throw new InvalidOperationException("a trie without a node source cannot unload nodes");
        addedBytes = 0;
        return _root is null ? 0 : UnloadBelow(_root, 0, keepDepth, upToGeneration, ref addedBytes);
    }

    private static int UnloadBelow(TrieNode node, int depth, int keepDepth, int upToGeneration, ref long addedBytes)
    {
        int unloaded = 0;
        switch (node)
        {
            case ExtensionNode ext:
                if (Unloadable(ext.Child, depth + ext.Length, keepDepth, upToGeneration))
                {
                    ext.Child = new UnresolvedNode(ext.Child.Reference.Bytes);
                    addedBytes += NodeBytes(ext.Child);
                    return 1;
                }
                return UnloadBelow(ext.Child, depth + ext.Length, keepDepth, upToGeneration, ref addedBytes);
            case BranchNode branch:
                var children = branch.Children;
                for (int i = 0; i < 16; i++)
                {
                    if (children[i] is not { } child) continue;
                    if (Unloadable(child, depth + 1, keepDepth, upToGeneration))
                    {
                        // The same node by hash, so the kept RLP stays current; its hash is there already when kept.
                        var unresolved = branch.KeepsReferenceOf(i) ? UnresolvedNode.InParent : new UnresolvedNode(child.Reference.Bytes);
                        branch.ResolveChild(i, unresolved);
                        addedBytes += NodeBytes(unresolved);
                        unloaded++;
                    }
                    else
                    {
                        unloaded += UnloadBelow(child, depth + 1, keepDepth, upToGeneration, ref addedBytes);
                    }
                }
                return unloaded;
            default:
                return 0;
        }
    }

    private static bool Unloadable(TrieNode node, int depth, int keepDepth, int upToGeneration) =>
        depth >= keepDepth && node is not UnresolvedNode && node.Reference.IsHash && node.Generation <= upToGeneration;
}
