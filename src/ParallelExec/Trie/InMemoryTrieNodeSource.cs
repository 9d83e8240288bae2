using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Nodes of a <see cref="StateTrie"/>'s hashed (clean) in-memory tries as an
/// <see cref="ITrieNodeSource"/>: the account trie, and the storage trie of one account (the one a
/// proof is about). A node is found by walking its path from the trie's root and encoded from the
/// references cached on the nodes (a branch that kept its RLP is copied): nothing is re-hashed. These
/// are the bytes the trie's root was computed from, so along a walk from that root the node at a path
/// is the one its parent names; a caller that checks every node (<see cref="TrieNodeSources.LoadChecked"/>)
/// still may, and one that trusts the trie's own hashing need not (<see cref="CheckedTrieNodeCache"/>).
/// </summary>
internal sealed class InMemoryTrieNodeSource(TrieNode? accountRoot, byte[]? storageOwner, TrieNode? storageRoot) : ITrieNodeSource
{
    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp)
    {
        rlp = [];
        TrieNode? node;
        if (owner.IsEmpty) node = accountRoot;
        else if (storageOwner is not null && owner.SequenceEqual(storageOwner)) node = storageRoot;
        else return false;
        int depth = 0;
        while (node is not null && depth < path.Length)
        {
            switch (node)
            {
                case BranchNode branch:
                    node = branch.Children[path[depth]];
                    depth++;
                    break;
                case ExtensionNode ext:
                    depth += ext.Length;
                    node = ext.Child;
                    break;
                default:
                    return false; // a leaf ends every path through it
            }
        }
        if (node is null or UnresolvedNode || depth != path.Length) return false; // not in memory: a caller may ask the store
        if (node.IsDirty) throw new InvalidOperationException("a proof was asked of a trie with changes whose root was not computed yet");
        var kept = (node as BranchNode)?.Rlp;
        rlp = kept is not null ? (byte[])kept.Clone() : new byte[StateTrie.EncodedLength(node, depth)];
        if (kept is null) StateTrie.Encode(node, depth, rlp);
        return true;
    }
}
