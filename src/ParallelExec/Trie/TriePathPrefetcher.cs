namespace ParallelExec.Trie;

/// <summary>
/// Walks the paths of the next few keys of a batch of inserts ahead of the inserts, one level per
/// step, prefetching the node each will visit next. Keys of a large trie lead to scattered nodes, and
/// an insert that walks its path alone waits for one cache miss per level; with several paths in
/// flight those misses overlap, and the insert then finds its path in cache. It only reads: a path
/// that an earlier insert changes just prefetches something useless.
/// </summary>
internal sealed class TriePathPrefetcher
{
    /// <summary>Paths in flight: more than a path's depth (~6 levels for 1 M keys), so each is complete before its insert.</summary>
    public const int Lanes = 8;

    /// <summary>
    /// A struct array, not arrays of references: storing a node into a TrieNode[] checks its type,
    /// which reads the node at once and waits for the very miss the prefetch was to hide.
    /// </summary>
    private readonly Lane[] _lanes = new Lane[Lanes];
    private int _next;

    private struct Lane
    {
        public TrieNode? Node;
        public byte[] Key;
        public int Depth;
    }

    /// <summary>Starts walking <paramref name="key"/> from <paramref name="node"/> (at nibble <paramref name="depth"/>), in place of the oldest path.</summary>
    public void Start(TrieNode? node, byte[] key, int depth)
    {
        _lanes[_next] = new Lane { Node = node, Key = key, Depth = depth };
        _next = (_next + 1) % Lanes;
        Prefetch.Node(node);
    }

    /// <summary>Moves every path one node down (each node was prefetched a step earlier).</summary>
    public void Step()
    {
        foreach (ref var lane in _lanes.AsSpan())
        {
            var node = lane.Node;
            if (node is null) continue;
            var key = lane.Key;
            int depth = lane.Depth;
            TrieNode? next = null;
            switch (node)
            {
                case BranchNode branch when depth < key.Length * 2:
                    next = branch.Children[Nibbles.At(key, depth)];
                    depth++;
                    break;
                case ExtensionNode ext:
                    next = ext.Child;
                    depth += ext.Length;
                    break;
                case LeafNode leaf:
                    // The insert compares the leaf's key and value.
                    Prefetch.Object(leaf.Key);
                    Prefetch.Object(leaf.Value);
                    break;
            }
            lane.Node = next;
            lane.Depth = depth;
            Prefetch.Node(next);
        }
    }
}
