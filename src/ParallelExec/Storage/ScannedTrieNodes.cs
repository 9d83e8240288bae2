using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// Trie nodes read in one sequential scan of a node store, held by their store key
/// (<see cref="TrieNodeKey"/>) in the scan's key order, back to back in large chunks (no array per
/// node): a lookup encodes the place's key and binary-searches. Built on one thread (<see cref="Add"/>
/// in ascending key order), then read by any number.
/// </summary>
internal sealed class ScannedTrieNodes : ITrieNodeLookup
{
    private const int ChunkSize = 1 << 20;

    private readonly List<byte[]> _chunks = new();
    private Entry[] _entries = new Entry[1024];
    private int _offset;

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
            _chunks.Add(new byte[Math.Max(ChunkSize, length)]);
            _offset = 0;
        }
        var chunk = _chunks[^1];
        if (Count > 0 && KeyOf(_entries[Count - 1]).SequenceCompareTo(key) >= 0)
            throw new ArgumentException("trie nodes of a scan are added in ascending key order", nameof(key));
        key.CopyTo(chunk.AsSpan(_offset));
        rlp.CopyTo(chunk.AsSpan(_offset + key.Length));
        if (Count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[Count++] = new Entry(_chunks.Count - 1, _offset, (byte)key.Length, rlp.Length);
        _offset += length;
        Bytes += length;
    }

    /// <inheritdoc/>
    public bool TryFind(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, out ReadOnlySpan<byte> rlp)
    {
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
                rlp = _chunks[entry.Chunk].AsSpan(entry.Offset + entry.KeyLength, entry.RlpLength);
                return true;
            }
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }
        rlp = default;
        return false;
    }

    private ReadOnlySpan<byte> KeyOf(in Entry entry) => _chunks[entry.Chunk].AsSpan(entry.Offset, entry.KeyLength);

    /// <summary>A node at <see cref="Offset"/> of chunk <see cref="Chunk"/>: its key, then its RLP.</summary>
    private readonly record struct Entry(int Chunk, int Offset, byte KeyLength, int RlpLength);
}
