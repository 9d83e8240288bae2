using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// A subtree that is not in memory: only its hash is known (<see cref="TrieNode.Reference"/>, always
/// 32 bytes, so the node is clean and the hasher never enters it). A walk that reaches it loads the
/// node from the trie's <see cref="ITrieNodeSource"/> by the path it took, checks the bytes against
/// the hash and puts the decoded node in its place (see <see cref="MerklePatriciaTrie"/>'s
/// resolution). Its place never changes while it is unresolved: only branches can sit where it is
/// moved to, and a walk resolves any other node before moving it.
/// </summary>
internal sealed class UnresolvedNode : TrieNode
{
    /// <summary>
    /// A branch's child not in memory whose hash is in the branch's kept RLP (see
    /// <see cref="BranchNode.UnresolvedChildHash"/>): one shared object, never changed, never moved.
    /// Its own reference reads as a hash (clean, stored) but is not the child's.
    /// </summary>
    public static readonly UnresolvedNode InParent = new(default(Hash256));

    public UnresolvedNode(ReadOnlySpan<byte> hash)
    {
        hash.CopyTo(Reference.Bytes);
        Reference.Length = NodeReference.HashLength;
        Stored = true;
    }

    public UnresolvedNode(in Hash256 hash)
    {
        hash.WriteTo(Reference.Bytes);
        Reference.Length = NodeReference.HashLength;
        Stored = true;
    }

    /// <summary>The node's hash.</summary>
    public Hash256 Hash => new(Reference.Bytes);

    /// <summary>No key is known below a node not in memory.</summary>
    public override byte[]? AnyKey() => null;
}
