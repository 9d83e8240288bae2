using System.Runtime.CompilerServices;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// A branch: sixteen children by next nibble, and the value of the key that ends exactly here
/// (plain tries only; keys of a secure trie all have the same length). The children are held inline,
/// not in an array of their own: one cache miss less for every branch a walk passes.
/// <para>
/// A hashed branch keeps its RLP, and a mask of the children replaced or changed since. Re-encoding
/// it then copies the unchanged children's references from that RLP instead of reading them from
/// the children, which lie scattered over the heap: a block touching 20,000 of 1,000,000 accounts
/// dirties ~17,000 branches of up to 16 children, and reading every child cost more than hashing.
/// </para>
/// <para>
/// A child not in memory whose hash is in the kept RLP is held as <see cref="UnresolvedNode.InParent"/>,
/// one shared object, instead of an <see cref="UnresolvedNode"/> of its own: a branch loaded from the
/// store then costs its own object and its RLP, not sixteen more objects (about 1 KB less per branch).
/// Such a child's hash is read from the RLP (<see cref="UnresolvedChildHash"/>), so the RLP is kept
/// whatever its length while one is there, and the child is never moved elsewhere unresolved.
/// </para>
/// </summary>
internal sealed class BranchNode : TrieNode
{
    private ChildArray _children;
    public byte[]? Value;
    /// <summary>The key whose value is <see cref="Value"/> (its nibble count equals the branch depth).</summary>
    public byte[]? ValueKey;

    /// <summary>This branch's RLP when it was last hashed (null before, or when too short to keep it).</summary>
    private byte[]? _rlp;
    /// <summary>Bit i: child i was replaced or changed since <see cref="_rlp"/> was kept.</summary>
    private ushort _stale;

    /// <summary>The children by nibble (read-only: a child is replaced through <see cref="SetChild"/>).</summary>
    public ReadOnlySpan<TrieNode?> Children => _children;

    /// <summary>The RLP kept when this branch was last hashed: current while the branch is clean.</summary>
    public byte[]? Rlp => _rlp;

    /// <summary>
    /// Bit i set: child i's reference must be read from the child; clear: the kept <see cref="Rlp"/>
    /// still holds it. All bits are set while no RLP is kept.
    /// </summary>
    public int StaleChildren => _rlp is null ? 0xFFFF : _stale;

    /// <summary>
    /// Replaces (or marks as changed) child <paramref name="nibble"/>. Every change below a branch
    /// passes here on its way up, so the stale mask misses none.
    /// </summary>
    public void SetChild(int nibble, TrieNode? child)
    {
        _children[nibble] = child;
        _stale |= (ushort)(1 << nibble);
    }

    /// <summary>
    /// Shorter RLPs are not kept: such a branch has few children referenced by hash, and reading
    /// them costs no more than the copy (most branches of a large trie sit just above the leaves with
    /// two or three children; keeping theirs too cost 57 MiB on a 1 M-key trie).
    /// </summary>
    public const int MinKeptRlpLength = 4 * (NodeReference.HashLength + 1);

    /// <summary>
    /// Keeps the RLP just hashed (the array is reused when the length is unchanged), unless it is
    /// shorter than <see cref="MinKeptRlpLength"/> and no child's hash is read from it; no child is
    /// stale after.
    /// </summary>
    public void KeepRlp(ReadOnlySpan<byte> rlp)
    {
        _stale = 0;
        if (rlp.Length < MinKeptRlpLength && !HasChildInRlp())
        {
            _rlp = null; // all children are read next time
            return;
        }
        if (_rlp is null || _rlp.Length != rlp.Length) _rlp = new byte[rlp.Length];
        rlp.CopyTo(_rlp);
    }

    /// <summary>
    /// Puts the node just loaded for an <see cref="UnresolvedNode"/> child in its place: the same
    /// node by hash, so the kept RLP stays current and no child becomes stale.
    /// </summary>
    public void ResolveChild(int nibble, TrieNode child) => _children[nibble] = child;

    /// <summary>Whether a child is <see cref="UnresolvedNode.InParent"/>: its hash is only in the kept RLP.</summary>
    private bool HasChildInRlp()
    {
        foreach (var child in Children)
        {
            if (ReferenceEquals(child, UnresolvedNode.InParent)) return true;
        }
        return false;
    }

    /// <summary>
    /// Whether child <paramref name="nibble"/>, clean and referenced by hash, can be dropped from memory
    /// as <see cref="UnresolvedNode.InParent"/>: the kept RLP holds its current reference.
    /// </summary>
    public bool KeepsReferenceOf(int nibble) => _rlp is not null && (_stale & (1 << nibble)) == 0;

    /// <summary>The hash of child <paramref name="nibble"/>, which is not in memory (an <see cref="UnresolvedNode"/>).</summary>
    public Hash256 UnresolvedChildHash(int nibble)
    {
        var child = (UnresolvedNode)_children[nibble]!;
        if (!ReferenceEquals(child, UnresolvedNode.InParent)) return child.Hash;
        return new Hash256(KeptChildItem(nibble)[1..]);
    }

    /// <summary>Child <paramref name="nibble"/>'s item in the kept RLP: 0xa0 and the 32-byte hash.</summary>
    private ReadOnlySpan<byte> KeptChildItem(int nibble)
    {
        var rlp = _rlp!;
        Span<int> items = stackalloc int[17];
        TrieHasher.ChildItemOffsets(rlp, items);
        int o = items[nibble];
        if (rlp[o] != 0x80 + NodeReference.HashLength) throw new InvalidOperationException($"child {nibble:x} of a branch is not referenced by hash in its kept RLP");
        return rlp.AsSpan(o, NodeReference.HashLength + 1);
    }

    public override byte[]? AnyKey()
    {
        if (ValueKey is not null) return ValueKey;
        foreach (var child in Children)
        {
            if (child?.AnyKey() is { } key) return key;
        }
        return null;
    }

    [InlineArray(16)]
    private struct ChildArray
    {
        private TrieNode? _element0;
    }
}
