using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Benchmarks.Trie;

/// <summary>Builds of a balance-only world state: accounts 0..n-1 with balance n+1.</summary>
internal static class BenchmarkAccounts
{
    public static List<KeyValuePair<StateKey, UInt256>> State(int count)
    {
        var entries = new List<KeyValuePair<StateKey, UInt256>>(count * 2);
        for (int i = 0; i < count; i++)
        {
            var address = Address.FromNumber((ulong)i);
            entries.Add(new(StateKey.Nonce(address), new UInt256((ulong)i % 7)));
            entries.Add(new(StateKey.Balance(address), new UInt256((ulong)i * 1_000_000_007UL + 1)));
        }
        return entries;
    }

    /// <summary>Balance changes for <paramref name="touched"/> random accounts out of <paramref name="count"/>.</summary>
    public static StateChange[] Touch(Random random, int count, int touched)
    {
        var changes = new StateChange[touched];
        for (int i = 0; i < touched; i++)
        {
            var address = Address.FromNumber((ulong)random.Next(count));
            changes[i] = new StateChange(StateKey.Balance(address), new UInt256((ulong)random.NextInt64()));
        }
        return changes;
    }

    /// <summary>Hashes inputs of the given lengths: the bare-Keccak floor for the same work.</summary>
    public static byte Floor(List<int> lengths, byte[] buffer, byte[] digest)
    {
        foreach (int length in lengths) Keccak256.Compute(buffer.AsSpan(0, length), digest);
        return digest[0];
    }

    /// <summary>Digest space for <see cref="BatchFloor"/>.</summary>
    public static byte[] BatchDigests() => new byte[TrieHashQueue.MaxBatch * Keccak256Batch.DigestLength];

    private static readonly int[] ZeroOffsets = new int[TrieHashQueue.MaxBatch];

    /// <summary>
    /// The same inputs through the batch hasher, in batches as large as the trie's: the floor for a
    /// trie that hashes with <see cref="Keccak256Batch"/> (every lane always busy, no encoding).
    /// </summary>
    public static byte BatchFloor(int[] lengths, byte[] buffer, byte[] digests)
    {
        for (int start = 0; start < lengths.Length; start += TrieHashQueue.MaxBatch)
        {
            int count = Math.Min(TrieHashQueue.MaxBatch, lengths.Length - start);
            Keccak256Batch.Compute(buffer, ZeroOffsets.AsSpan(0, count), lengths.AsSpan(start, count), digests);
        }
        return digests[0];
    }

    /// <summary>The node lengths a state root of these accounts hashes, plus one 20-byte address hash each.</summary>
    public static List<int> NodeLengths(MerklePatriciaTrie accountTrie, int addressHashes, bool dirtyOnly)
    {
        var lengths = accountTrie.HashedNodeLengths(dirtyOnly);
        for (int i = 0; i < addressHashes; i++) lengths.Add(Address.Size);
        return lengths;
    }

    /// <summary>The same account trie as <see cref="StateTrie"/> builds, as a bare trie (to read its node sizes).</summary>
    public static MerklePatriciaTrie AccountTrie(int count)
    {
        var trie = UnhashedAccountTrie(count);
        trie.ComputeRoot();
        return trie;
    }

    /// <summary><see cref="AccountTrie"/> with its leaves set and nothing hashed yet.</summary>
    public static MerklePatriciaTrie UnhashedAccountTrie(int count)
    {
        var trie = new MerklePatriciaTrie();
        Span<byte> address = stackalloc byte[Address.Size];
        Span<byte> path = stackalloc byte[32];
        var rlp = new byte[120];
        for (int i = 0; i < count; i++)
        {
            Address.FromNumber((ulong)i).WriteTo(address);
            Keccak256.Compute(address, path);
            trie.Set(path, EncodeAccount(rlp, (ulong)i % 7, new UInt256((ulong)i * 1_000_000_007UL + 1)));
        }
        return trie;
    }

    public static ReadOnlySpan<byte> EncodeAccount(byte[] buffer, ulong nonce, UInt256 balance)
    {
        int payload = Rlp.RlpWriter.LengthOf(nonce) + Rlp.RlpWriter.LengthOf(balance) + 66;
        int o = Rlp.RlpWriter.WriteListHeader(buffer, payload);
        o += Rlp.RlpWriter.Write(buffer.AsSpan(o), nonce);
        o += Rlp.RlpWriter.Write(buffer.AsSpan(o), balance);
        o += Rlp.RlpWriter.Write(buffer.AsSpan(o), MerklePatriciaTrie.EmptyRoot);
        o += Rlp.RlpWriter.Write(buffer.AsSpan(o), Keccak256.OfEmpty);
        return buffer.AsSpan(0, o);
    }
}

