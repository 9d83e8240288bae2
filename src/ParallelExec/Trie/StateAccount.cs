using System.Runtime.CompilerServices;
using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// One account of a <see cref="StateTrie"/>: its fields, its storage trie and its place in the
/// account trie (the path keccak256(address), computed once).
/// </summary>
internal sealed class StateAccount(Address address)
{
    /// <summary>Largest RLP of [nonce, balance, storageRoot, codeHash]: 2 + 9 + 33 + 33 + 33.</summary>
    public const int MaxEncodedLength = 110;

    public readonly Address Address = address;
    public byte[]? Path;
    public ulong Nonce;
    public UInt256 Balance;
    /// <summary>Code hash as a word; zero means no code (keccak256 of empty).</summary>
    public UInt256 CodeHash;
    /// <summary>True once any account field (nonce, balance, code hash) is present, even with value zero.</summary>
    public bool HasFields;
    public MerklePatriciaTrie? Storage;
    public bool StorageDirty;
    /// <summary>Listed by <see cref="StateTrie"/> as having storage-trie nodes not persisted yet.</summary>
    public bool StorageUnpersisted;
    /// <summary>Queued for the next root computation.</summary>
    public bool Dirty;
    /// <summary>Has a leaf in the account trie.</summary>
    public bool InTrie;

    /// <summary>An account exists when it has a field or a non-zero storage slot.</summary>
    public bool Exists => HasFields || Storage is { IsEmpty: false };

    public void ComputePath(ref long hashes)
    {
        if (Path is not null) return;
        Span<byte> address = stackalloc byte[Address.Size];
        Address.WriteTo(address);
        var path = new byte[32];
        Keccak256.Compute(address, path);
        hashes++;
        Path = path;
    }

    /// <summary>
    /// <see cref="ComputePath"/> for many accounts, the addresses hashed together by
    /// <see cref="Keccak256Batch"/> (a whole state's worth of paths when a trie is built from scratch).
    /// </summary>
    [SkipLocalsInit]
    public static void ComputePaths(ReadOnlySpan<StateAccount> accounts, ref long hashes)
    {
        const int Batch = 64;
        Span<byte> addresses = stackalloc byte[Batch * Address.Size];
        Span<int> offsets = stackalloc int[Batch];
        Span<int> lengths = stackalloc int[Batch];
        Span<int> which = stackalloc int[Batch];
        Span<byte> digests = stackalloc byte[Batch * Keccak256Batch.DigestLength];
        int count = 0;
        for (int i = 0; i < accounts.Length; i++)
        {
            if (accounts[i].Path is not null) continue;
            accounts[i].Address.WriteTo(addresses.Slice(count * Address.Size, Address.Size));
            offsets[count] = count * Address.Size;
            lengths[count] = Address.Size;
            which[count++] = i;
            if (count == Batch)
            {
                HashPaths(accounts, addresses, offsets, lengths, which, digests);
                hashes += count;
                count = 0;
            }
        }
        HashPaths(accounts, addresses, offsets[..count], lengths[..count], which[..count], digests);
        hashes += count;
    }

    private static void HashPaths(ReadOnlySpan<StateAccount> accounts, ReadOnlySpan<byte> addresses, ReadOnlySpan<int> offsets,
        ReadOnlySpan<int> lengths, ReadOnlySpan<int> which, Span<byte> digests)
    {
        Keccak256Batch.Compute(addresses, offsets, lengths, digests);
        for (int k = 0; k < which.Length; k++) accounts[which[k]].Path = digests.Slice(k * Keccak256Batch.DigestLength, 32).ToArray();
    }

    /// <summary>Writes RLP([nonce, balance, storageRoot, codeHash]); the storage root must be current.</summary>
    public int Encode(Span<byte> destination) =>
        EncodeLeaf(destination, Nonce, Balance, Storage is null ? MerklePatriciaTrie.EmptyRoot : Storage.ComputeRoot(), CodeHash);

    /// <summary>An account leaf's value, RLP([nonce, balance, storageRoot, codeHash]) (a zero code hash is the empty code's), at most <see cref="MaxEncodedLength"/> bytes.</summary>
    public static int EncodeLeaf(Span<byte> destination, ulong nonce, in UInt256 balance, in Hash256 storageRoot, in UInt256 codeHashWord)
    {
        var codeHash = codeHashWord.IsZero ? Keccak256.OfEmpty : Hash256.FromUInt256(codeHashWord);
        int payload = RlpWriter.LengthOf(nonce) + RlpWriter.LengthOf(balance) + 2 * (Hash256.Size + 1);
        int o = RlpWriter.WriteListHeader(destination, payload);
        o += RlpWriter.Write(destination[o..], nonce);
        o += RlpWriter.Write(destination[o..], balance);
        o += RlpWriter.Write(destination[o..], storageRoot);
        o += RlpWriter.Write(destination[o..], codeHash);
        return o;
    }
}
