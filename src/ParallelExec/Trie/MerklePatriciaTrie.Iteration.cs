namespace ParallelExec.Trie;

public sealed partial class MerklePatriciaTrie
{
    /// <summary>All entries in ascending byte order of their keys (the arrays must not be changed).</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Enumerate()
    {
        if (_root is null) yield break;
        var stack = new Stack<TrieNode>();
        stack.Push(_root);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case LeafNode leaf:
                    yield return new(leaf.Key, leaf.Value);
                    break;
                case ExtensionNode ext:
                    stack.Push(ext.Child);
                    break;
                case BranchNode branch:
                    for (int i = 15; i >= 0; i--)
                    {
                        if (branch.Children[i] is { } child) stack.Push(child);
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
        next = _root is null ? null! : FindNext(_root, key, 0)!;
        return next is not null;
    }

    /// <summary>The greatest key strictly less than <paramref name="key"/>.</summary>
    public bool TryGetPrevious(ReadOnlySpan<byte> key, out byte[] previous)
    {
        previous = _root is null ? null! : FindPrevious(_root, key, 0)!;
        return previous is not null;
    }

    // Every key below a node visited at depth d shares the probe's first d nibbles.
    private static byte[]? FindNext(TrieNode node, ReadOnlySpan<byte> probe, int depth)
    {
        int probeNibbles = probe.Length * 2;
        switch (node)
        {
            case LeafNode leaf:
                return leaf.Key.AsSpan().SequenceCompareTo(probe) > 0 ? leaf.Key : null;
            case ExtensionNode ext:
            {
                int order = ComparePath(ext, probe, depth);
                if (order > 0) return MinKey(ext);
                if (order < 0) return null;
                return FindNext(ext.Child, probe, depth + ext.Length);
            }
            case BranchNode branch:
            {
                // Keys ending here equal the probe's prefix: never greater unless the probe is longer, then less.
                int first = 0;
                if (depth < probeNibbles)
                {
                    int nibble = Nibbles.At(probe, depth);
                    if (branch.Children[nibble] is { } child && FindNext(child, probe, depth + 1) is { } found) return found;
                    first = nibble + 1;
                }
                for (int i = first; i < 16; i++)
                {
                    if (branch.Children[i] is { } later) return MinKey(later);
                }
                return null;
            }
            default:
                return null;
        }
    }

    private static byte[]? FindPrevious(TrieNode node, ReadOnlySpan<byte> probe, int depth)
    {
        int probeNibbles = probe.Length * 2;
        switch (node)
        {
            case LeafNode leaf:
                return leaf.Key.AsSpan().SequenceCompareTo(probe) < 0 ? leaf.Key : null;
            case ExtensionNode ext:
            {
                int order = ComparePath(ext, probe, depth);
                if (order < 0) return MaxKey(ext);
                if (order > 0) return null;
                return FindPrevious(ext.Child, probe, depth + ext.Length);
            }
            case BranchNode branch:
            {
                if (depth >= probeNibbles) return null; // every key here is the probe or extends it
                int nibble = Nibbles.At(probe, depth);
                if (branch.Children[nibble] is { } child && FindPrevious(child, probe, depth + 1) is { } found) return found;
                for (int i = nibble - 1; i >= 0; i--)
                {
                    if (branch.Children[i] is { } earlier) return MaxKey(earlier);
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

    private static byte[] MinKey(TrieNode node)
    {
        while (true)
        {
            switch (node)
            {
                case LeafNode leaf:
                    return leaf.Key;
                case ExtensionNode ext:
                    node = ext.Child;
                    break;
                case BranchNode branch:
                    if (branch.ValueKey is not null) return branch.ValueKey;
                    node = FirstChild(branch);
                    break;
                default:
                    throw new InvalidOperationException("unknown node type");
            }
        }
    }

    private static byte[] MaxKey(TrieNode node)
    {
        while (true)
        {
            switch (node)
            {
                case LeafNode leaf:
                    return leaf.Key;
                case ExtensionNode ext:
                    node = ext.Child;
                    break;
                case BranchNode branch:
                    node = LastChild(branch);
                    break;
                default:
                    throw new InvalidOperationException("unknown node type");
            }
        }
    }

    private static TrieNode FirstChild(BranchNode branch)
    {
        foreach (var child in branch.Children) if (child is not null) return child;
        throw new InvalidOperationException("a branch without children");
    }

    private static TrieNode LastChild(BranchNode branch)
    {
        var children = branch.Children;
        for (int i = children.Length - 1; i >= 0; i--) if (children[i] is { } child) return child;
        throw new InvalidOperationException("a branch without children");
    }
}
