using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// One hashed trie node as a node database keeps it: keccak256(rlp) → rlp. Nodes whose RLP is
/// shorter than 32 bytes are embedded in their parent and have no record of their own (except a
/// trie's root, which is always hashed). <see cref="Rlp"/> may be a slice of a shared buffer (a
/// <see cref="TrieNodeSet"/>): it is valid until that buffer is cleared, so a consumer that keeps
/// the bytes copies them.
/// </summary>
public readonly record struct TrieNodeRecord(Hash256 Hash, ReadOnlyMemory<byte> Rlp);
