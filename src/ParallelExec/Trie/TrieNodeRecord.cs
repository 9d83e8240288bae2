using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// One hashed trie node as a node database keeps it: keccak256(rlp) → rlp. Nodes whose RLP is
/// shorter than 32 bytes are embedded in their parent and have no record of their own (except a
/// trie's root, which is always hashed).
/// </summary>
public readonly record struct TrieNodeRecord(Hash256 Hash, byte[] Rlp);
