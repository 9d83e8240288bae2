using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// <c>eth_getProof</c> over any <see cref="ITrieNodeSource"/>: the account's proof in the account
/// trie, then each slot's in the account's storage trie (owner keccak256(address)), every node
/// loaded from the source and checked against its hash. The same walk serves nodes held in memory
/// (<see cref="StateTrie.GetProof"/>) and nodes loaded from a store.
/// </summary>
public static class StateProofs
{
    /// <summary>
    /// The proof of <paramref name="address"/> and of <paramref name="slots"/> in the state with root
    /// <paramref name="stateRoot"/>. Throws <see cref="MissingTrieNodeException"/> when the source
    /// lacks a node on the way.
    /// </summary>
    public static AccountProof Get(ITrieNodeSource source, in Hash256 stateRoot, in Address address, IReadOnlyList<UInt256> slots)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(slots);
        Span<byte> addressBytes = stackalloc byte[Address.Size];
        address.WriteTo(addressBytes);
        var owner = Keccak256.Compute(addressBytes).ToArray();
        var accountProof = new List<byte[]>();
        var encoded = TrieProofWalk.Collect(source, ReadOnlySpan<byte>.Empty, stateRoot, owner, accountProof);

        ulong nonce = 0;
        UInt256 balance = UInt256.Zero;
        var codeHash = Keccak256.OfEmpty;
        var storageHash = MerklePatriciaTrie.EmptyRoot;
        if (encoded is not null)
        {
            var fields = new RlpReader(encoded).ReadList();
            nonce = fields.ReadUInt64();
            balance = fields.ReadUInt256();
            storageHash = new Hash256(fields.ReadString());
            codeHash = new Hash256(fields.ReadString());
        }

        var storageProof = new StorageSlotProof[slots.Count];
        Span<byte> slotBytes = stackalloc byte[32];
        Span<byte> slotKey = stackalloc byte[32];
        for (int i = 0; i < slots.Count; i++)
        {
            slots[i].WriteBigEndian(slotBytes);
            Keccak256.Compute(slotBytes, slotKey);
            var nodes = new List<byte[]>();
            var value = TrieProofWalk.Collect(source, owner, storageHash, slotKey, nodes);
            storageProof[i] = new StorageSlotProof(slots[i], value is null ? UInt256.Zero : new RlpReader(value).ReadUInt256(), nodes);
        }
        return new AccountProof(address, stateRoot, encoded is not null, accountProof, nonce, balance, codeHash, storageHash, storageProof);
    }
}
