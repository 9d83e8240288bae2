using System.Collections;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// The trie nodes one root computation exported, encoded back to back into large reusable chunks:
/// no array per node, and after the first block no allocation at all (<see cref="Clear"/> keeps the
/// chunks). Records handed out (<see cref="this[int]"/>, enumeration) are slices of the chunks and
/// are valid until the next <see cref="Clear"/>. Not thread-safe.
/// </summary>
public sealed class TrieNodeSet : IReadOnlyList<TrieNodeRecord>
{
    private const int ChunkSize = 1 << 20;

    private readonly List<byte[]> _chunks = new();
    private Entry[] _entries;
    private int _count;
    private int _chunk; // chunk being written
    private int _offset; // next free byte in it
    private long _bytes;

    /// <summary>An empty set with room for <paramref name="capacity"/> nodes before it grows.</summary>
    public TrieNodeSet(int capacity = 1024) => _entries = new Entry[Math.Max(16, capacity)];

    /// <summary>Nodes held.</summary>
    public int Count => _count;

    /// <summary>Total RLP bytes held.</summary>
    public long ByteCount => _bytes;

    /// <summary>The node at <paramref name="index"/>, in the order added.</summary>
    public TrieNodeRecord this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            ref readonly var entry = ref _entries[index];
            return new TrieNodeRecord(entry.Hash, new ReadOnlyMemory<byte>(_chunks[entry.Chunk], entry.Offset, entry.Length));
        }
    }

    /// <summary>Appends a copy of <paramref name="rlp"/> under <paramref name="hash"/>.</summary>
    public void Add(in Hash256 hash, ReadOnlySpan<byte> rlp)
    {
        rlp.CopyTo(Reserve(rlp.Length));
        Append(hash, rlp.Length);
    }

    /// <summary>
    /// Room for a node of <paramref name="length"/> bytes; write it there, then <see cref="Append"/> it.
    /// </summary>
    internal Span<byte> Reserve(int length)
    {
        if (_chunks.Count == 0) _chunks.Add(new byte[Math.Max(ChunkSize, length)]);
        if (_offset + length > _chunks[_chunk].Length)
        {
            // Move to the next chunk (reused after a Clear; a node larger than a chunk gets its own).
            _chunk++;
            _offset = 0;
            if (_chunk == _chunks.Count) _chunks.Add(new byte[Math.Max(ChunkSize, length)]);
            else if (_chunks[_chunk].Length < length) _chunks[_chunk] = new byte[length];
        }
        return _chunks[_chunk].AsSpan(_offset, length);
    }

    /// <summary>Records the <paramref name="length"/> bytes written into the last <see cref="Reserve"/>.</summary>
    internal void Append(in Hash256 hash, int length)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count++] = new Entry(hash, _chunk, _offset, length);
        _offset += length;
        _bytes += length;
    }

    /// <summary>Forgets every node and keeps the memory for the next block.</summary>
    public void Clear()
    {
        _count = 0;
        _chunk = 0;
        _offset = 0;
        _bytes = 0;
    }

    /// <summary>Enumerates the nodes in the order added, without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<TrieNodeRecord> IEnumerable<TrieNodeRecord>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates a <see cref="TrieNodeSet"/>.</summary>
    public struct Enumerator(TrieNodeSet set) : IEnumerator<TrieNodeRecord>
    {
        private int _index = -1;

        /// <inheritdoc/>
        public readonly TrieNodeRecord Current => set[_index];

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => ++_index < set._count;

        /// <inheritdoc/>
        public void Reset() => _index = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }

    private readonly record struct Entry(Hash256 Hash, int Chunk, int Offset, int Length);
}
