using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// One hashed trie node as a node database keeps it, named by where it lies: the trie it belongs to
/// (<see cref="Owner"/>: empty for the account trie, else the 32-byte hashed address of the account
/// whose storage trie it is) and its <see cref="Path"/> from that trie's root (nibbles, one per
/// byte). Nodes whose RLP is shorter than 32 bytes are embedded in their parent and have no record of
/// their own (except a trie's root, which is always kept). A record with an empty <see cref="Rlp"/>
/// says the node at that place is gone (a deletion or a collapse removed it); a store applies a
/// set's removals before its writes, so a place both removed and written ends written.
/// <see cref="Rlp"/>, <see cref="Owner"/> and <see cref="Path"/> may be slices of a shared buffer
/// (a <see cref="TrieNodeSet"/>): they are valid until that buffer is cleared, so a consumer that
/// keeps the bytes copies them.
/// </summary>
/// <param name="Hash">Keccak-256 of <paramref name="Rlp"/> (default for a removal).</param>
/// <param name="Rlp">The node's RLP; empty for a removal.</param>
/// <param name="Owner">Empty for the account trie, else the storage trie's 32-byte hashed address.</param>
/// <param name="Path">The node's place in its trie: nibbles from the root, one per byte.</param>
public readonly record struct TrieNodeRecord(Hash256 Hash, ReadOnlyMemory<byte> Rlp, ReadOnlyMemory<byte> Owner = default, ReadOnlyMemory<byte> Path = default)
{
    /// <summary>True when this record says the node at <see cref="Owner"/>/<see cref="Path"/> is gone.</summary>
    public bool IsRemoval => Rlp.IsEmpty;
}
