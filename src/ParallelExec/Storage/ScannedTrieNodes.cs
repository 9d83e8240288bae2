using System.Buffers;
using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// Trie nodes read in one sequential scan of a node store, held by their store key
/// (<see cref="TrieNodeKey"/>) in the scan's key order, back to back in large chunks (no array per
/// node): a lookup encodes the place's key and binary-searches. Built on one thread (<see cref="Add"/>
/// in ascending key order, then <see cref="Seal"/>), then read by any number. Each node's hash is
/// computed as its chunk fills, eight at a time (<see cref="Keccak256Batch"/>: ~100 ns a node against
/// ~430 one by one), so a lookup compares it with the hash the parent names instead of hashing the
/// node then. Its chunks and entries come from a <see cref="Buffers"/> and go back there on <see cref="Dispose"/>.
/// </summary>
internal sealed class ScannedTrieNodes : ITrieNodeLookup, IDisposable
{
    private const int ChunkSize = 1 << 20;

    private readonly Buffers _buffers;
    private readonly List<byte[]> _chunks = new();
    private Entry[] _entries;
    private int _offset;
    private int _hashed; // entries whose Hash is computed: all of them once sealed

    /// <param name="buffers">Where chunks and entries come from: one per warming, shared by its scans.</param>
    public ScannedTrieNodes(Buffers buffers)
    {
        _buffers = buffers;
        _entries = buffers.Entries.Rent(1024);
    }

    /// <summary>Nodes held.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of keys and RLP held.</summary>
    public long Bytes { get; private set; }

    /// <summary>Appends the node stored under <paramref name="key"/>, which must follow every key added before.</summary>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> rlp)
    {
        int length = key.Length + rlp.Length;
        if (_chunks.Count == 0 || _offset + length > _chunks[^1].Length)
        {
            HashPending(); // the nodes of the chunk it leaves
            _chunks.Add(_buffers.Chunks.Rent(Math.Max(ChunkSize, length)));
            _offset = 0;
        }
        var chunk = _chunks[^1];
        if (Count > 0 && KeyOf(_entries[Count - 1]).SequenceCompareTo(key) >= 0)
            throw new ArgumentException("trie nodes of a scan are added in ascending key order", nameof(key));
        key.CopyTo(chunk.AsSpan(_offset));
        rlp.CopyTo(chunk.AsSpan(_offset + key.Length));
        if (Count == _entries.Length)
        {
            var larger = _buffers.Entries.Rent(_entries.Length * 2);
            _entries.AsSpan(0, Count).CopyTo(larger);
            _buffers.Entries.Return(_entries);
            _entries = larger;
        }
        _entries[Count++] = new Entry(_chunks.Count - 1, _offset, (byte)key.Length, rlp.Length, default);
        _offset += length;
        Bytes += length;
    }

    /// <summary>Hashes the nodes added last: call once the scan is complete, before any lookup.</summary>
    public void Seal() => HashPending();

    /// <inheritdoc/>
    public bool TryFind(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out ReadOnlySpan<byte> rlp)
    {
        if (_hashed != Count) throw new InvalidOperationException("a scan's nodes are looked up once it is sealed");
        Span<byte> key = stackalloc byte[TrieNodeKey.MaxLength];
        key = key[..TrieNodeKey.Write(owner, path, key)];
        int low = 0, high = Count - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            int order = KeyOf(_entries[middle]).SequenceCompareTo(key);
            if (order == 0)
            {
                ref readonly var entry = ref _entries[middle];
                if (entry.Hash != hash) break;
                rlp = _chunks[entry.Chunk].AsSpan(entry.Offset + entry.KeyLength, entry.RlpLength);
                return true;
            }
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }
        rlp = default;
        return false;
    }

    // Hashes the entries added since the last call, which all lie in the last chunk, in one batch.
    private void HashPending()
    {
        int count = Count - _hashed;
        if (count == 0) return;
        var offsets = ArrayPool<int>.Shared.Rent(count);
        var lengths = ArrayPool<int>.Shared.Rent(count);
        var digests = ArrayPool<byte>.Shared.Rent(count * Keccak256Batch.DigestLength);
        try
        {
            for (int i = 0; i < count; i++)
            {
                ref readonly var entry = ref _entries[_hashed + i];
                offsets[i] = entry.Offset + entry.KeyLength;
                lengths[i] = entry.RlpLength;
            }
            Keccak256Batch.Compute(_chunks[^1], offsets.AsSpan(0, count), lengths.AsSpan(0, count), digests);
            for (int i = 0; i < count; i++)
                _entries[_hashed + i] = _entries[_hashed + i] with { Hash = new Hash256(digests.AsSpan(i * Keccak256Batch.DigestLength, Keccak256Batch.DigestLength)) };
            _hashed = Count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<int>.Shared.Return(lengths);
            ArrayPool<byte>.Shared.Return(digests);
        }
    }

    /// <summary>Gives the chunks and entries back to the buffers; the nodes (and spans <see cref="TryFind"/> gave) are gone.</summary>
    public void Dispose()
    {
        foreach (var chunk in _chunks) _buffers.Chunks.Return(chunk);
        _chunks.Clear();
        _buffers.Entries.Return(_entries);
        _entries = [];
        Count = 0;
        _hashed = 0;
        _offset = 0;
    }

    private ReadOnlySpan<byte> KeyOf(in Entry entry) => _chunks[entry.Chunk].AsSpan(entry.Offset, entry.KeyLength);

    /// <summary>
    /// Array pools for the scans of one warming. Each chunk and most entry arrays are over the
    /// large-object heap's threshold, where every allocation counts towards the next full
    /// collection: the sixteen scans of an account trie (172 MB at 1 M accounts) would make that
    /// many megabytes new, where a scan now takes what the one before it gave back. The pools go
    /// with the warming, so nothing stays allocated after it.
    /// </summary>
    internal sealed class Buffers
    {
        public ArrayPool<byte> Chunks { get; } = ArrayPool<byte>.Create(ChunkSize, 256);

        public ArrayPool<Entry> Entries { get; } = ArrayPool<Entry>.Create(1 << 24, 4);
    }

    /// <summary>A node at <see cref="Offset"/> of chunk <see cref="Chunk"/>: its key, then its RLP, which hashes to <see cref="Hash"/>.</summary>
    internal readonly record struct Entry(int Chunk, int Offset, byte KeyLength, int RlpLength, Hash256 Hash);
}
