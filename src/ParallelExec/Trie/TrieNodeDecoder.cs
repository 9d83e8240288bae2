using ParallelExec.Rlp;

namespace ParallelExec.Trie;

/// <summary>
/// Turns a node's RLP, loaded from an <see cref="ITrieNodeSource"/> at a known path, back into the
/// in-memory form: children referenced by hash become <see cref="UnresolvedNode"/>s, children
/// embedded in the RLP (under 32 bytes) are decoded in place. The nodes keep keys, not paths, so the
/// path rebuilds them: a leaf's whole key is the path and its partial path; an extension's key source
/// is the path through its run (only those nibbles are ever read from it, see
/// <see cref="ExtensionNode"/>); a branch's value key is its path. Every node decoded is clean: its
/// reference is the hash it was loaded by, or its RLP when embedded (or a root under 32 bytes).
/// </summary>
internal static class TrieNodeDecoder
{
    /// <summary>
    /// Decodes <paramref name="rlp"/>, the node at <paramref name="path"/> (nibbles, one per byte) of
    /// the trie of <paramref name="owner"/> whose hash is <paramref name="hash"/> (already checked).
    /// Throws <see cref="RlpException"/> naming the place when the bytes are not a trie node.
    /// </summary>
    public static TrieNode Decode(ReadOnlySpan<byte> rlp, ReadOnlySpan<byte> path, ReadOnlySpan<byte> owner, ReadOnlySpan<byte> hash)
    {
        try
        {
            var node = DecodeShape(rlp, path, owner);
            node.Stored = true; // it was loaded from its place
            // Its RLP is current, as after hashing: a later re-hash copies the unchanged children from it.
            (node as BranchNode)?.KeepRlp(rlp);
            if (rlp.Length >= NodeReference.HashLength)
            {
                hash.CopyTo(node.Reference.Bytes);
                node.Reference.Length = NodeReference.HashLength;
            }
            else
            {
                rlp.CopyTo(node.Reference.Bytes);
                node.Reference.Length = (byte)rlp.Length;
            }
            return node;
        }
        catch (RlpException e) when (!e.Message.StartsWith("the trie node", StringComparison.Ordinal))
        {
            throw Malformed(owner, path, e.Message);
        }
    }

    /// <summary>A node embedded in its parent's RLP (under 32 bytes): its reference is that RLP.</summary>
    private static TrieNode DecodeEmbedded(ReadOnlySpan<byte> rlp, ReadOnlySpan<byte> path, ReadOnlySpan<byte> owner)
    {
        if (rlp.Length >= NodeReference.HashLength) throw Malformed(owner, path, "embeds a child of 32 bytes or more");
        var node = DecodeShape(rlp, path, owner);
        rlp.CopyTo(node.Reference.Bytes);
        node.Reference.Length = (byte)rlp.Length;
        return node;
    }

    /// <summary>Whether <paramref name="rlp"/> is a leaf (a list of two items whose compact path has the leaf flag); false for anything else, malformed bytes included.</summary>
    public static bool IsLeaf(ReadOnlySpan<byte> rlp)
    {
        try
        {
            var items = new RlpReader(rlp).ReadList();
            if (items.NextIsList) return false; // a branch whose first child is embedded
            var compact = items.ReadString();
            if (!items.HasMore) return false;
            items.ReadEncodedItem();
            return !items.HasMore && !compact.IsEmpty && compact[0] >> 4 >= 2; // more items: a branch
        }
        catch (Rlp.RlpException)
        {
            return false;
        }
    }

    private static TrieNode DecodeShape(ReadOnlySpan<byte> rlp, ReadOnlySpan<byte> path, ReadOnlySpan<byte> owner)
    {
        var outer = new RlpReader(rlp);
        var items = outer.ReadList();
        if (outer.HasMore) throw Malformed(owner, path, "has bytes after its list");
        int count = 0;
        var counter = items;
        while (counter.HasMore)
        {
            counter.ReadEncodedItem();
            count++;
        }
        return count switch
        {
            17 => DecodeBranch(items, path, owner),
            2 => DecodeShort(items, path, owner),
            _ => throw Malformed(owner, path, $"is a list of {count} items, neither a branch (17) nor a leaf or extension (2)"),
        };
    }

    private static BranchNode DecodeBranch(RlpReader items, ReadOnlySpan<byte> path, ReadOnlySpan<byte> owner)
    {
        var branch = new BranchNode();
        byte[]? childPath = null;
        for (int i = 0; i < 16; i++)
        {
            var item = items.ReadEncodedItem();
            if (item.Length == 1 && item[0] == RlpWriter.EmptyString) continue;
            if (item[0] >= 0xc0)
            {
                childPath ??= Extend(path, 1);
                childPath[^1] = (byte)i;
                branch.ResolveChild(i, DecodeEmbedded(item, childPath, owner));
                continue;
            }
            var hash = new RlpReader(item).ReadString();
            if (hash.Length != NodeReference.HashLength) throw Malformed(owner, path, $"refers to child {i:x} by a {hash.Length}-byte string, not a hash");
            // Its hash stays in the branch's RLP, which the branch keeps (see BranchNode).
            branch.ResolveChild(i, UnresolvedNode.InParent);
        }
        var value = items.ReadString();
        if (!value.IsEmpty)
        {
            if ((path.Length & 1) != 0) throw Malformed(owner, path, "holds a value at an odd number of nibbles");
            branch.Value = value.ToArray();
            branch.ValueKey = Pack(path);
        }
        int entries = branch.Value is null ? 0 : 1;
        foreach (var child in branch.Children) if (child is not null) entries++;
        if (entries < 2) throw Malformed(owner, path, $"is a branch with {entries} entries (a trie collapses those)");
        return branch;
    }

    private static TrieNode DecodeShort(RlpReader items, ReadOnlySpan<byte> path, ReadOnlySpan<byte> owner)
    {
        var compact = items.ReadString();
        if (compact.IsEmpty) throw Malformed(owner, path, "has an empty path");
        int flag = compact[0] >> 4;
        if (flag > 3) throw Malformed(owner, path, $"has a path with flag {flag}");
        bool isLeaf = flag >= 2, odd = (flag & 1) == 1;
        if (!odd && (compact[0] & 0x0f) != 0) throw Malformed(owner, path, "has an even path with a non-zero padding nibble");
        int length = (compact.Length - 1) * 2 + (odd ? 1 : 0);
        var nibbles = Extend(path, length);
        for (int i = 0; i < length; i++)
        {
            int at = odd ? i + 1 : i + 2; // nibble index within the compact bytes
            nibbles[path.Length + i] = (byte)((at & 1) == 0 ? compact[at / 2] >> 4 : compact[at / 2] & 0x0f);
        }
        if (isLeaf)
        {
            if ((nibbles.Length & 1) != 0) throw Malformed(owner, path, "is a leaf whose key has an odd number of nibbles");
            var value = items.ReadString();
            if (value.IsEmpty) throw Malformed(owner, path, "is a leaf with an empty value");
            return new LeafNode(Pack(nibbles), value.ToArray());
        }
        if (length == 0) throw Malformed(owner, path, "is an extension with an empty path");
        var reference = items.ReadEncodedItem();
        TrieNode child;
        if (reference[0] >= 0xc0)
        {
            child = DecodeEmbedded(reference, nibbles, owner);
            if (child is not BranchNode) throw Malformed(owner, path, "is an extension whose child is not a branch");
        }
        else
        {
            var hash = new RlpReader(reference).ReadString();
            if (hash.Length != NodeReference.HashLength) throw Malformed(owner, path, $"refers to its child by a {hash.Length}-byte string, not a hash");
            child = new UnresolvedNode(hash);
        }
        // The key source holds the path through the run: all an extension ever reads of it.
        return new ExtensionNode(Pack(nibbles), length, child);
    }

    /// <summary>A copy of <paramref name="path"/> with room for <paramref name="more"/> nibbles after it.</summary>
    private static byte[] Extend(ReadOnlySpan<byte> path, int more)
    {
        var extended = new byte[path.Length + more];
        path.CopyTo(extended);
        return extended;
    }

    /// <summary>Nibbles, one per byte, as a key (high nibble first; an odd count ends with a zero nibble).</summary>
    internal static byte[] Pack(ReadOnlySpan<byte> nibbles)
    {
        var key = new byte[(nibbles.Length + 1) / 2];
        for (int i = 0; i < nibbles.Length; i++) key[i >> 1] |= (byte)((i & 1) == 0 ? nibbles[i] << 4 : nibbles[i]);
        return key;
    }

    private static RlpException Malformed(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, string what) =>
        new($"the trie node at {MissingTrieNodeException.Where(owner, path)} {what}");
}
