using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// What Ethereum's <c>eth_getProof</c> returns for one account at one state root: the account-trie
/// nodes from the root along keccak256(address) (each node's RLP), the account's fields and a proof
/// per requested storage slot. An absent account has an exclusion proof, zero nonce and balance,
/// the empty code hash and the empty storage root (and every slot is zero with an empty proof).
/// </summary>
public sealed record AccountProof(
    Address Address,
    Hash256 StateRoot,
    bool Exists,
    IReadOnlyList<byte[]> Proof,
    ulong Nonce,
    UInt256 Balance,
    Hash256 CodeHash,
    Hash256 StorageHash,
    IReadOnlyList<StorageSlotProof> StorageProof);
