using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Stateless;

/// <summary>
/// The nodes a post-state root computation loads beyond the deleted keys' own proofs: when keys
/// are deleted, a branch on their paths may drop to one child and merge with it (Ethereum's trie has
/// no branch with a single child), so the remaining child's node must be known. For each branch on a
/// deleted key's path, if at most one of its children lies on no deleted path, that child's node is
/// collected (the children on deleted paths are in the proofs already). A branch that also gains a
/// child never collapses; collecting the sibling then costs one node and is harmless.
/// </summary>
internal static class CollapseSiblings
{
    /// <summary>
    /// Adds to <paramref name="nodes"/> the siblings for deleting <paramref name="deletedPaths"/>
    /// (32-byte hashed keys) from the trie of <paramref name="owner"/> with root <paramref name="root"/>.
    /// </summary>
    public static void Collect(ITrieNodeSource source, ReadOnlySpan<byte> owner, in Hash256 root, IReadOnlyList<byte[]> deletedPaths,
        Dictionary<Hash256, byte[]> nodes)
    {
        if (deletedPaths.Count == 0 || root == MerklePatriciaTrie.EmptyRoot) return;
        var paths = deletedPaths.Select(key => CompactPath.Nibbles(key)).ToList();
        var rlp = Load(source, owner, [], root);
        Walk(source, owner.ToArray(), rlp, 0, paths, nodes);
    }

    private static void Walk(ITrieNodeSource source, byte[] owner, ReadOnlySpan<byte> node, int depth, List<byte[]> paths, Dictionary<Hash256, byte[]> nodes)
    {
        var items = new RlpReader(node).ReadList();
        var first = items.ReadEncodedItem();
        var second = items.ReadEncodedItem();
        if (items.HasMore)
        {
            if (depth == 64) return;
            var children = new RlpReader(node).ReadList();
            int onDeleted = 0, others = 0, other = -1;
            var byNibble = new List<byte[]>?[16];
            foreach (var path in paths) (byNibble[path[depth]] ??= new List<byte[]>()).Add(path);
            var references = new byte[16][];
            for (int i = 0; i < 16; i++)
            {
                references[i] = children.ReadEncodedItem().ToArray();
                if (IsEmpty(references[i])) continue;
                if (byNibble[i] is not null) onDeleted++;
                else
                {
                    others++;
                    other = i;
                }
            }
            var prefix = paths[0].AsSpan(0, depth);
            if (onDeleted > 0 && others == 1) Follow(source, owner, prefix, other, references[other], nodes, null);
            for (int i = 0; i < 16; i++)
                if (byNibble[i] is { } under && !IsEmpty(references[i])) Follow(source, owner, prefix, i, references[i], nodes, under);
            return;
        }
        var nibbles = CompactPath.Decode(new RlpReader(first).ReadString(), out bool isLeaf);
        if (isLeaf || depth + nibbles.Length >= 64) return; // a leaf: nothing below it
        int length = nibbles.Length;
        var through = paths.Where(path => CompactPath.Continues(path, depth, nibbles)).ToList();
        if (through.Count == 0) return;
        var child = second.ToArray();
        if (child[0] >= 0xC0) Walk(source, owner, child, depth + length, through, nodes);
        else Walk(source, owner, Load(source, owner, through[0].AsSpan(0, depth + length), new Hash256(new RlpReader(child).ReadString())), depth + length, through, nodes);
    }

    // Child `nibble` of the branch at `prefix`: loads it when referenced by hash (and collects it),
    // then walks on when deleted paths run through it.
    private static void Follow(ITrieNodeSource source, byte[] owner, ReadOnlySpan<byte> prefix, int nibble, byte[] reference,
        Dictionary<Hash256, byte[]> nodes, List<byte[]>? under)
    {
        byte[] child;
        if (reference[0] >= 0xC0)
        {
            child = reference; // embedded in the branch: known with it
        }
        else
        {
            var path = new byte[prefix.Length + 1];
            prefix.CopyTo(path);
            path[^1] = (byte)nibble;
            var hash = new Hash256(new RlpReader(reference).ReadString());
            child = Load(source, owner, path, hash);
            nodes.TryAdd(hash, child);
        }
        if (under is not null) Walk(source, owner, child, prefix.Length + 1, under, nodes);
    }

    private static bool IsEmpty(byte[] reference) => reference.Length == 1 && reference[0] == 0x80;

    private static byte[] Load(ITrieNodeSource source, ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash)
    {
        if (!source.TryGetNode(owner, path, hash, out var rlp) || Keccak256.Compute(rlp) != hash)
            throw new InvalidOperationException($"the pre-state trie lacks node {hash} at {MissingTrieNodeException.Where(owner, path)}");
        return rlp;
    }
}
