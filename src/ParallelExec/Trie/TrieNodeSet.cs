using System.Collections;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// The trie nodes one root computation exported, each with its place (owner and path), encoded back
/// to back into large reusable chunks: no array per node, and after the first block no allocation for
/// blocks of a similar size (<see cref="Clear"/> keeps the chunks, up to a bound). Records handed out
/// (<see cref="this[int]"/>, enumeration) are slices of the chunks (owner, path and RLP side by side)
/// and are valid until the next <see cref="Clear"/>. A set may also hold removals (<see cref="TrieNodeRecord.IsRemoval"/>),
/// which a store applies before the writes. Not thread-safe.
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
    private int _ownerLength, _pathLength; // of the node being reserved

    /// <summary>An empty set with room for <paramref name="capacity"/> nodes before it grows.</summary>
    public TrieNodeSet(int capacity = 1024) => _entries = new Entry[Math.Max(16, capacity)];

    /// <summary>Nodes held.</summary>
    public int Count => _count;

    /// <summary>Total RLP bytes held (places not counted).</summary>
    public long ByteCount => _bytes;

    /// <summary>Bytes of chunks held, used or kept for reuse (for tests).</summary>
    internal long ChunkBytes
    {
        get
        {
            long total = 0;
            foreach (var chunk in _chunks) total += chunk.Length;
            return total;
        }
    }

    /// <summary>The node at <paramref name="index"/>, in the order added.</summary>
    public TrieNodeRecord this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            ref readonly var entry = ref _entries[index];
            var chunk = _chunks[entry.Chunk];
            int path = entry.Offset + entry.OwnerLength, rlp = path + entry.PathLength;
            return new TrieNodeRecord(entry.Hash, new ReadOnlyMemory<byte>(chunk, rlp, entry.Length),
                new ReadOnlyMemory<byte>(chunk, entry.Offset, entry.OwnerLength), new ReadOnlyMemory<byte>(chunk, path, entry.PathLength));
        }
    }

    /// <summary>Appends a copy of <paramref name="rlp"/> under <paramref name="hash"/>, with no place.</summary>
    public void Add(in Hash256 hash, ReadOnlySpan<byte> rlp) => Add(hash, rlp, default, default);

    /// <summary>
    /// Appends a copy of the node <paramref name="hash"/> (<paramref name="rlp"/>) at
    /// <paramref name="path"/> (nibbles) of the trie of <paramref name="owner"/>; an empty
    /// <paramref name="rlp"/> records a removal (see <see cref="AddRemoval"/>).
    /// </summary>
    public void Add(in Hash256 hash, ReadOnlySpan<byte> rlp, ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path)
    {
        rlp.CopyTo(Reserve(rlp.Length, owner, path));
        Append(hash, rlp.Length);
    }

    /// <summary>Appends a copy of <paramref name="record"/> (its place and RLP).</summary>
    public void Add(in TrieNodeRecord record) => Add(record.Hash, record.Rlp.Span, record.Owner.Span, record.Path.Span);

    /// <summary>Records that the node at <paramref name="path"/> of the trie of <paramref name="owner"/> is gone.</summary>
    public void AddRemoval(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path) => Add(default, [], owner, path);

    /// <summary>Room for a node of <paramref name="length"/> bytes with no place (see the other overload).</summary>
    internal Span<byte> Reserve(int length) => Reserve(length, default, default);

    /// <summary>
    /// Room for a node of <paramref name="length"/> bytes at <paramref name="path"/> of the trie of
    /// <paramref name="owner"/> (both copied in); write the node there, then <see cref="Append"/> it.
    /// </summary>
    internal Span<byte> Reserve(int length, ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path)
    {
        _ownerLength = owner.Length;
        _pathLength = path.Length;
        int place = owner.Length + path.Length;
        var node = ReserveBytes(place + length);
        owner.CopyTo(node);
        path.CopyTo(node[owner.Length..]);
        return node[place..];
    }

    private Span<byte> ReserveBytes(int length)
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

    /// <summary>Records the <paramref name="length"/> bytes written into the last <see cref="Reserve(int, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>.</summary>
    internal void Append(in Hash256 hash, int length)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count++] = new Entry(hash, _chunk, _offset, length, (byte)_ownerLength, _pathLength);
        _offset += _ownerLength + _pathLength + length;
        _bytes += length;
    }

    /// <summary>Chunks and entries a <see cref="Clear"/> keeps: more than a block's nodes take, far less than a checkpoint's over a large state.</summary>
    private const int RetainedChunks = 32, RetainedEntries = 1 << 18;

    /// <summary>
    /// Forgets every node and keeps the memory for the next block, up to 32 MiB of chunks and 262,144
    /// entries: a checkpoint's export over a large state (805,704 nodes at 10 M accounts) is not kept
    /// alive through the blocks until the next one.
    /// </summary>
    public void Clear()
    {
        _count = 0;
        _chunk = 0;
        _offset = 0;
        _bytes = 0;
        if (_chunks.Count > RetainedChunks) _chunks.RemoveRange(RetainedChunks, _chunks.Count - RetainedChunks);
        if (_entries.Length > RetainedEntries) _entries = new Entry[RetainedEntries];
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

    /// <summary>A node at <see cref="Offset"/>: its owner, its path, then its RLP of <see cref="Length"/> bytes.</summary>
    private readonly record struct Entry(Hash256 Hash, int Chunk, int Offset, int Length, byte OwnerLength, int PathLength);
}
