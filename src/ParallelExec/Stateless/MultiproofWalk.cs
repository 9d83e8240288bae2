using ParallelExec.Rlp;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Stateless;

/// <summary>
/// Proves many keys of one trie at once against its root from a witness's nodes: one walk from the
/// root along all the keys' paths (sorted, so the keys under a node are a contiguous range), each
/// node found by hash in the <see cref="WitnessNodeSource"/> (which hashed every node once) and
/// decoded once, however many keys run through it. Ends at each key's leaf value, or where its path
/// leaves the trie (proven absent).
/// </summary>
internal static class MultiproofWalk
{
    /// <summary>
    /// The value (the leaf's RLP string payload) or null (absent) of each of <paramref name="paths"/>
    /// (64 nibbles each, ascending) in the trie of <paramref name="owner"/> with root <paramref name="root"/>.
    /// Throws <see cref="MultiproofException"/> naming the first key whose path needs a missing or malformed node.
    /// </summary>
    public static byte[]?[] Prove(WitnessNodeSource nodes, byte[] owner, in Hash256 root, IReadOnlyList<byte[]> paths)
    {
        var values = new byte[]?[paths.Count];
        if (paths.Count == 0 || root == MerklePatriciaTrie.EmptyRoot) return values;
        var walk = new Walker(nodes, owner, paths, values);
        walk.Visit(walk.Load(root, 0, 0), 0, 0, paths.Count);
        return values;
    }

    private sealed class Walker(WitnessNodeSource nodes, byte[] owner, IReadOnlyList<byte[]> paths, byte[]?[] values)
    {
        public byte[] Load(in Hash256 hash, int depth, int firstKey)
        {
            if (nodes.TryGetNode(owner, default, hash, out var rlp)) return rlp;
            var where = MissingTrieNodeException.Where(owner, paths[firstKey].AsSpan(0, depth));
            throw new MultiproofException(firstKey, $"trie node {hash} at {where} is not in the witness");
        }

        // Keys lo..hi-1 share the node's path (depth nibbles).
        public void Visit(ReadOnlySpan<byte> node, int depth, int lo, int hi)
        {
            try
            {
                var items = new RlpReader(node).ReadList();
                var first = items.ReadEncodedItem();
                var second = items.ReadEncodedItem();
                if (items.HasMore)
                {
                    if (depth == 64) throw new RlpException("a branch where the keys end");
                    var children = new RlpReader(node).ReadList();
                    int at = lo;
                    for (int nibble = 0; nibble < 16 && at < hi; nibble++)
                    {
                        var reference = children.ReadEncodedItem();
                        int end = at;
                        while (end < hi && paths[end][depth] == nibble) end++;
                        if (end > at) Follow(reference, depth + 1, at, end);
                        at = end;
                    }
                    return;
                }
                var nibbles = CompactPath.Decode(new RlpReader(first).ReadString(), out bool isLeaf);
                if (isLeaf)
                {
                    var value = new RlpReader(second).ReadString().ToArray();
                    for (int k = lo; k < hi; k++)
                        if (depth + nibbles.Length == 64 && CompactPath.Continues(paths[k], depth, nibbles)) values[k] = value;
                    return;
                }
                // An extension: the keys that continue through it are a contiguous range.
                int from = lo;
                while (from < hi && !CompactPath.Continues(paths[from], depth, nibbles)) from++;
                int to = from;
                while (to < hi && CompactPath.Continues(paths[to], depth, nibbles)) to++;
                if (to > from) Follow(second, depth + nibbles.Length, from, to);
            }
            catch (RlpException e)
            {
                var where = MissingTrieNodeException.Where(owner, paths[lo].AsSpan(0, depth));
                throw new MultiproofException(lo, $"the trie node at {where} is malformed: {e.Message}");
            }
        }

        private void Follow(ReadOnlySpan<byte> reference, int depth, int lo, int hi)
        {
            if (reference.Length == 1 && reference[0] == 0x80) return; // an empty slot: absent
            if (reference[0] >= 0xC0)
            {
                Visit(reference, depth, lo, hi); // embedded in its parent
                return;
            }
            var hash = new RlpReader(reference).ReadString();
            if (hash.Length != Hash256.Size) throw new RlpException("a child reference that is neither a hash nor a node");
            Visit(Load(new Hash256(hash), depth, lo), depth, lo, hi);
        }
    }
}
