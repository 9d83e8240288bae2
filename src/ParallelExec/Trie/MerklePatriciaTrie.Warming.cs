using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Loading a whole trie at once from nodes already in memory (a sequential scan of the node store):
/// a walk that loads one node per read pays a store lookup each, and a trie whose every node is
/// touched sooner or later pays it for every node.
/// </summary>
public sealed partial class MerklePatriciaTrie
{
    /// <summary>
    /// Puts in place every node below those in memory that <paramref name="nodes"/> holds with the
    /// hash its parent names, top-down, the root branch's subtries on up to
    /// <paramref name="degreeOfParallelism"/> threads (each replaces only its own child slot). A node
    /// it lacks, or holds with other bytes, stays unresolved with its subtree: a walk that needs it
    /// loads it from the trie's own source then, and reports it if the source fails too. Changes
    /// nothing but which nodes are in memory. Returns the nodes put in place.
    /// </summary>
    internal long LoadFrom(ITrieNodeLookup nodes, int degreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        long loaded = 0;
        if (_root is UnresolvedNode unresolved)
        {
            if (TryLoad(nodes, unresolved.Hash, ReadOnlySpan<byte>.Empty) is not { } root) return 0;
            _root = root;
            loaded = 1;
        }
        if (_root is BranchNode top && degreeOfParallelism > 1)
        {
            Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism },
                nibble => Interlocked.Add(ref loaded, LoadUnder(nodes, top, nibble)));
        }
        else if (_root is not null)
        {
            Span<byte> path = stackalloc byte[MaxWarmDepth];
            loaded += LoadBelow(nodes, _root, path, 0);
        }
        Interlocked.Add(ref _loadedNodes, loaded);
        return loaded;
    }

    /// <summary>
    /// Loads the root from the trie's source if it is not in memory yet (<paramref name="loaded"/>
    /// says whether it was) and tells whether it is a branch: then the subtries under its sixteen
    /// children can be loaded apart, each on its own thread (<see cref="LoadSubtrie"/>).
    /// </summary>
    internal bool ResolveRootBranch(out bool loaded)
    {
        loaded = _root is UnresolvedNode;
        ResolveRoot();
        return _root is BranchNode;
    }

    /// <summary>
    /// <see cref="LoadFrom"/> for the subtrie under child <paramref name="nibble"/> of the root branch
    /// (<see cref="ResolveRootBranch"/> first): safe beside the same call for other nibbles, each
    /// replacing only its own child slot. Returns the nodes put in place.
    /// </summary>
    internal long LoadSubtrie(ITrieNodeLookup nodes, int nibble)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (_root is not BranchNode top) throw new InvalidOperationException("the trie's root is not a branch in memory");
        long loaded = LoadUnder(nodes, top, nibble);
        Interlocked.Add(ref _loadedNodes, loaded);
        return loaded;
    }

    /// <summary>Loads what <paramref name="nodes"/> holds under child <paramref name="nibble"/> of the root branch <paramref name="top"/> (not counted).</summary>
    private long LoadUnder(ITrieNodeLookup nodes, BranchNode top, int nibble)
    {
        Span<byte> path = stackalloc byte[MaxWarmDepth];
        path[0] = (byte)nibble;
        return LoadChild(nodes, top, nibble, path, 1);
    }

    /// <summary>Deepest place a node store keeps a node at: 64 nibbles, a 32-byte key's (<see cref="Storage.TrieNodeKey"/>).</summary>
    private const int MaxWarmDepth = 64;

    /// <summary>Loads what <paramref name="nodes"/> holds below <paramref name="node"/> (at nibble <paramref name="depth"/>); returns how many.</summary>
    private long LoadBelow(ITrieNodeLookup nodes, TrieNode node, Span<byte> path, int depth)
    {
        switch (node)
        {
            case BranchNode branch:
                if (depth >= MaxWarmDepth) return 0;
                long count = 0;
                for (int nibble = 0; nibble < 16; nibble++)
                {
                    path[depth] = (byte)nibble;
                    count += LoadChild(nodes, branch, nibble, path, depth + 1);
                }
                return count;
            case ExtensionNode ext:
                int childDepth = depth + ext.Length;
                if (childDepth > MaxWarmDepth) return 0;
                for (int i = depth; i < childDepth; i++) path[i] = (byte)Nibbles.At(ext.KeySource, i);
                var child = ext.Child;
                if (child is UnresolvedNode unresolved)
                {
                    if (TryLoad(nodes, unresolved.Hash, path[..childDepth]) is not { } loaded) return 0;
                    ext.Child = loaded;
                    return 1 + LoadBelow(nodes, loaded, path, childDepth);
                }
                return LoadBelow(nodes, child, path, childDepth);
            default:
                return 0; // a leaf, or a node not in memory
        }
    }

    /// <summary>Child <paramref name="nibble"/> of <paramref name="branch"/>, at <paramref name="path"/>[..<paramref name="childDepth"/>], and what lies below it.</summary>
    private long LoadChild(ITrieNodeLookup nodes, BranchNode branch, int nibble, Span<byte> path, int childDepth)
    {
        var child = branch.Children[nibble];
        if (child is null) return 0;
        if (child is not UnresolvedNode) return LoadBelow(nodes, child, path, childDepth);
        if (TryLoad(nodes, branch.UnresolvedChildHash(nibble), path[..childDepth]) is not { } loaded) return 0;
        branch.ResolveChild(nibble, loaded);
        return 1 + LoadBelow(nodes, loaded, path, childDepth);
    }

    /// <summary>The node <paramref name="nodes"/> holds at <paramref name="path"/>, decoded, if its bytes hash to <paramref name="hash"/>.</summary>
    private TrieNode? TryLoad(ITrieNodeLookup nodes, in Hash256 hash, ReadOnlySpan<byte> path)
    {
        if (!nodes.TryFind(_owner, path, hash, out var rlp)) return null;
        try
        {
            return DecodeLoaded(rlp, path, hash);
        }
        catch (Rlp.RlpException)
        {
            return null; // not a trie node after all: left to the source, which reports it
        }
    }
}
