namespace ParallelExec.Trie;

public sealed partial class MerklePatriciaTrie
{
    /// <summary>
    /// All entries in ascending byte order of their keys (the arrays must not be changed). Nodes not
    /// in memory are loaded on the way.
    /// </summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Enumerate()
    {
        ResolveRoot();
        if (_root is null) yield break;
        // Depth first; path holds the nibbles down to the node popped: an entry's own nibble is
        // written when it is popped, and the nodes popped in between (its elder siblings' subtrees)
        // write only from that depth on.
        var path = new byte[64];
        var stack = new Stack<(TrieNode Node, TrieNode? Parent, int Nibble, int Depth)>();
        stack.Push((_root, null, -1, 0));
        while (stack.Count > 0)
        {
            var (node, parent, nibble, depth) = stack.Pop();
            if (nibble >= 0) path[depth - 1] = (byte)nibble;
            if (node is UnresolvedNode unresolved) node = ResolveIn(parent!, nibble, unresolved, path.AsSpan(0, depth));
            switch (node)
            {
                case LeafNode leaf:
                    yield return new(leaf.Key, leaf.Value);
                    break;
                case ExtensionNode ext:
                    Through(ext, depth, ref path);
                    stack.Push((ext.Child, ext, -1, depth + ext.Length)); // popped next: path is current
                    break;
                case BranchNode branch:
                    if (path.Length <= depth) Array.Resize(ref path, path.Length * 2);
                    for (int i = 15; i >= 0; i--)
                    {
                        if (branch.Children[i] is { } child) stack.Push((child, branch, i, depth + 1));
                    }
                    // A key ending at the branch is a prefix of (so sorts before) every key below it.
                    if (branch.Value is not null) yield return new(branch.ValueKey!, branch.Value);
                    break;
            }
        }
    }

    /// <summary>The smallest key strictly greater than <paramref name="key"/> (a seek).</summary>
    public bool TryGetNext(ReadOnlySpan<byte> key, out byte[] next)
    {
        var path = new byte[Math.Max(64, key.Length * 2 + 1)];
        ResolveRoot();
        next = _root is null ? null! : FindNext(_root, key, 0, ref path)!;
        return next is not null;
    }

    /// <summary>The greatest key strictly less than <paramref name="key"/>.</summary>
    public bool TryGetPrevious(ReadOnlySpan<byte> key, out byte[] previous)
    {
        var path = new byte[Math.Max(64, key.Length * 2 + 1)];
        ResolveRoot();
        previous = _root is null ? null! : FindPrevious(_root, key, 0, ref path)!;
        return previous is not null;
    }

    // Every key below a node visited at depth d shares the probe's first d nibbles, which path holds.
    private byte[]? FindNext(TrieNode node, ReadOnlySpan<byte> probe, int depth, ref byte[] path)
    {
        int probeNibbles = probe.Length * 2;
        switch (node)
        {
            case LeafNode leaf:
                return leaf.Key.AsSpan().SequenceCompareTo(probe) > 0 ? leaf.Key : null;
            case ExtensionNode ext:
            {
                int order = ComparePath(ext, probe, depth);
                if (order < 0) return null;
                Through(ext, depth, ref path);
                var child = Child(ext, path.AsSpan(0, depth + ext.Length));
                if (order > 0) return MinKey(child, depth + ext.Length, ref path);
                return FindNext(child, probe, depth + ext.Length, ref path);
            }
            case BranchNode branch:
            {
                // Keys ending here equal the probe's prefix: never greater unless the probe is longer, then less.
                int first = 0;
                if (depth < probeNibbles)
                {
                    int nibble = Nibbles.At(probe, depth);
                    if (Child(branch, nibble, depth, ref path) is { } child && FindNext(child, probe, depth + 1, ref path) is { } found) return found;
                    first = nibble + 1;
                }
                for (int i = first; i < 16; i++)
                {
                    if (Child(branch, i, depth, ref path) is { } later) return MinKey(later, depth + 1, ref path);
                }
                return null;
            }
            default:
                return null;
        }
    }

    private byte[]? FindPrevious(TrieNode node, ReadOnlySpan<byte> probe, int depth, ref byte[] path)
    {
        int probeNibbles = probe.Length * 2;
        switch (node)
        {
            case LeafNode leaf:
                return leaf.Key.AsSpan().SequenceCompareTo(probe) < 0 ? leaf.Key : null;
            case ExtensionNode ext:
            {
                int order = ComparePath(ext, probe, depth);
                if (order > 0) return null;
                Through(ext, depth, ref path);
                var child = Child(ext, path.AsSpan(0, depth + ext.Length));
                if (order < 0) return MaxKey(child, depth + ext.Length, ref path);
                return FindPrevious(child, probe, depth + ext.Length, ref path);
            }
            case BranchNode branch:
            {
                if (depth >= probeNibbles) return null; // every key here is the probe or extends it
                int nibble = Nibbles.At(probe, depth);
                if (Child(branch, nibble, depth, ref path) is { } child && FindPrevious(child, probe, depth + 1, ref path) is { } found) return found;
                for (int i = nibble - 1; i >= 0; i--)
                {
                    if (Child(branch, i, depth, ref path) is { } earlier) return MaxKey(earlier, depth + 1, ref path);
                }
                return branch.ValueKey; // a proper prefix of the probe
            }
            default:
                return null;
        }
    }

    /// <summary>
    /// Orders the keys below an extension against the probe: +1 when all are greater (the path is
    /// greater, or the probe ends inside it), -1 when all are smaller, 0 when the probe follows the path.
    /// </summary>
    private static int ComparePath(ExtensionNode ext, ReadOnlySpan<byte> probe, int depth)
    {
        int probeNibbles = probe.Length * 2;
        for (int i = 0; i < ext.Length; i++)
        {
            if (depth + i >= probeNibbles) return 1;
            int a = Nibbles.At(ext.KeySource, depth + i);
            int b = Nibbles.At(probe, depth + i);
            if (a != b) return a > b ? 1 : -1;
        }
        return 0;
    }

    /// <summary>The smallest key below <paramref name="node"/>, which lies at <paramref name="depth"/> (path holds its nibbles).</summary>
    private byte[] MinKey(TrieNode node, int depth, ref byte[] path)
    {
        while (true)
        {
            switch (node)
            {
                case LeafNode leaf:
                    return leaf.Key;
                case ExtensionNode ext:
                    Through(ext, depth, ref path);
                    depth += ext.Length;
                    node = Child(ext, path.AsSpan(0, depth));
                    break;
                case BranchNode branch:
                    if (branch.ValueKey is not null) return branch.ValueKey;
                    node = Child(branch, FirstChild(branch), depth, ref path)!;
                    depth++;
                    break;
                default:
                    throw new InvalidOperationException("unknown node type");
            }
        }
    }

    /// <summary>The greatest key below <paramref name="node"/>, which lies at <paramref name="depth"/> (path holds its nibbles).</summary>
    private byte[] MaxKey(TrieNode node, int depth, ref byte[] path)
    {
        while (true)
        {
            switch (node)
            {
                case LeafNode leaf:
                    return leaf.Key;
                case ExtensionNode ext:
                    Through(ext, depth, ref path);
                    depth += ext.Length;
                    node = Child(ext, path.AsSpan(0, depth));
                    break;
                case BranchNode branch:
                    node = Child(branch, LastChild(branch), depth, ref path)!;
                    depth++;
                    break;
                default:
                    throw new InvalidOperationException("unknown node type");
            }
        }
    }

    private static int FirstChild(BranchNode branch)
    {
        var children = branch.Children;
        for (int i = 0; i < children.Length; i++) if (children[i] is not null) return i;
        throw new InvalidOperationException("a branch without children");
    }

    private static int LastChild(BranchNode branch)
    {
        var children = branch.Children;
        for (int i = children.Length - 1; i >= 0; i--) if (children[i] is not null) return i;
        throw new InvalidOperationException("a branch without children");
    }

    /// <summary>Writes an extension's run (it lies at <paramref name="depth"/>) into the path, growing it as needed.</summary>
    private static void Through(ExtensionNode ext, int depth, ref byte[] path)
    {
        int end = depth + ext.Length;
        if (path.Length <= end) Array.Resize(ref path, Math.Max(path.Length * 2, end + 1));
        for (int i = depth; i < end; i++) path[i] = (byte)Nibbles.At(ext.KeySource, i);
    }

    /// <summary>
    /// Child <paramref name="nibble"/> of a branch at <paramref name="depth"/> (path holds its
    /// nibbles), loaded if need be; the nibble is written into the path for the walk below it.
    /// </summary>
    private TrieNode? Child(BranchNode branch, int nibble, int depth, ref byte[] path)
    {
        if (path.Length <= depth) Array.Resize(ref path, path.Length * 2);
        path[depth] = (byte)nibble;
        var child = branch.Children[nibble];
        return child is UnresolvedNode unresolved ? ResolveIn(branch, nibble, unresolved, path.AsSpan(0, depth + 1)) : child;
    }

    /// <summary>An extension's child, at <paramref name="childPath"/>, loaded if need be.</summary>
    private TrieNode Child(ExtensionNode ext, ReadOnlySpan<byte> childPath) =>
        ext.Child is UnresolvedNode unresolved ? ResolveIn(ext, -1, unresolved, childPath) : ext.Child;

    /// <summary>Loads <paramref name="node"/> (at <paramref name="path"/>) into its parent's slot <paramref name="nibble"/> (-1: an extension's child).</summary>
    private TrieNode ResolveIn(TrieNode parent, int nibble, UnresolvedNode node, ReadOnlySpan<byte> path)
    {
        if (parent is BranchNode branch)
        {
            var child = Load(branch.UnresolvedChildHash(nibble), path); // node may be the shared InParent
            branch.ResolveChild(nibble, child);
            return child;
        }
        var resolved = Load(node.Hash, path);
        ((ExtensionNode)parent).Child = resolved;
        return resolved;
    }
}
