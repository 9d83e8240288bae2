using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// A Merkle Patricia Trie whose path for a key is keccak256(key), as Ethereum's account and storage
/// tries. Values are stored as given.
/// </summary>
public sealed class SecureMerklePatriciaTrie
{
    private readonly MerklePatriciaTrie _trie = new();
    private long _keyHashes;

    /// <summary>Keys held.</summary>
    public int Count => _trie.Count;

    /// <summary>Keccak-256 computations so far: key hashes and node hashes.</summary>
    public long HashCount => Interlocked.Read(ref _keyHashes) + _trie.HashCount;

    /// <summary>Stores <paramref name="value"/> under Keccak-256 of <paramref name="key"/>; an empty value deletes it.</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            Delete(key);
            return;
        }
        _trie.Set(HashKey(key), value);
    }

    /// <summary>Deletes <paramref name="key"/>; false when absent.</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        Span<byte> path = stackalloc byte[32];
        HashKey(key, path);
        return _trie.Delete(path);
    }

    /// <summary>The value stored under <paramref name="key"/>, if any.</summary>
    public bool TryGet(scoped ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        Span<byte> path = stackalloc byte[32];
        HashKey(key, path);
        return _trie.TryGet(path, out value);
    }

    /// <summary>A copy of the value stored under <paramref name="key"/>, or null.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key) => TryGet(key, out var value) ? value.ToArray() : null;

    /// <summary>The root hash (on up to <paramref name="degreeOfParallelism"/> threads).</summary>
    public Hash256 ComputeRoot(int degreeOfParallelism = 1) => _trie.ComputeRoot(degreeOfParallelism);

    private byte[] HashKey(ReadOnlySpan<byte> key)
    {
        var path = new byte[32];
        HashKey(key, path);
        return path;
    }

    private void HashKey(ReadOnlySpan<byte> key, Span<byte> path)
    {
        Keccak256.Compute(key, path);
        Interlocked.Increment(ref _keyHashes);
    }
}
