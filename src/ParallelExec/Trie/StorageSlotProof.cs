using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// One storage slot of an <see cref="AccountProof"/>: the slot, its value (zero when absent) and the
/// storage-trie nodes from the account's storage root along keccak256(slot), each node's RLP. For an
/// absent slot the nodes prove there is no leaf on that path (empty when the storage trie is empty).
/// </summary>
public sealed record StorageSlotProof(UInt256 Key, UInt256 Value, IReadOnlyList<byte[]> Proof);
