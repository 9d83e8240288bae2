using System.Collections;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// The trie nodes one root computation exported, each with its place (owner and path), encoded back
/// to back into large chunks of native memory: no array per node, and nothing for the collector to
/// trace, copy or keep committed. A checkpoint's export over a large state (hundreds of megabytes)
/// is held for the second or two until its commit, then <see cref="Clear"/> gives it back to the
/// system at once (past the first chunk, chunks are large enough that the C library maps each on
/// its own), instead of leaving it in the collector's heap until a full collection. Records handed
/// out (<see cref="this[int]"/>, enumeration) are slices of the chunks (owner, path and RLP side by
/// side) and are valid until the next <see cref="Clear"/> or <see cref="Dispose"/>. A set may also
/// hold removals (<see cref="TrieNodeRecord.IsRemoval"/>), which a store applies before the writes.
/// Not thread-safe.
/// </summary>
public sealed unsafe class TrieNodeSet : IReadOnlyList<TrieNodeRecord>, IDisposable
{
    /// <summary>
    /// The first chunk, kept across <see cref="Clear"/>: room for the nodes a block or a pooled
    /// hashing queue exports without a new chunk each time.
    /// </summary>
    private const int FirstChunkSize = 1 << 20;

    /// <summary>Every later chunk: over the C library's largest mapping threshold (32 MiB), so it is mapped alone and unmapped when freed.</summary>
    private const int LargeChunkSize = 64 << 20;

    /// <summary>Entries kept across <see cref="Clear"/>; a checkpoint's (805,704 at 10 M accounts) are given back.</summary>
    private const int RetainedEntries = 1 << 16;

    private readonly List<NativeMemoryBlock> _chunks = new();
    private NativeMemoryBlock? _entries;
    private int _capacity;
    private int _count;
    private int _chunk; // chunk being written
    private int _offset; // next free byte in it
    private long _bytes;
    private int _ownerLength, _pathLength; // of the node being reserved

    /// <summary>An empty set with room for <paramref name="capacity"/> nodes before it grows.</summary>
    public TrieNodeSet(int capacity = 1024) => _capacity = Math.Max(16, capacity);

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

    private ref Entry EntryAt(int index) => ref ((Entry*)_entries!.Pointer)[index];

    /// <summary>The node at <paramref name="index"/>, in the order added.</summary>
    public TrieNodeRecord this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            ref readonly var entry = ref EntryAt(index);
            ReadOnlyMemory<byte> chunk = _chunks[entry.Chunk].Memory;
            int path = entry.Offset + entry.OwnerLength, rlp = path + entry.PathLength;
            return new TrieNodeRecord(entry.Hash, chunk.Slice(rlp, entry.Length), chunk.Slice(entry.Offset, entry.OwnerLength), chunk.Slice(path, entry.PathLength));
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
        if (_chunks.Count == 0) _chunks.Add(new NativeMemoryBlock(Math.Max(FirstChunkSize, length)));
        if (_offset + length > _chunks[_chunk].Length)
        {
            // A new chunk (Clear keeps none past the first; a node larger than a chunk gets its own),
            // after any taken over from another set (MoveFrom).
            _chunks.Add(new NativeMemoryBlock(Math.Max(LargeChunkSize, length)));
            _chunk = _chunks.Count - 1;
            _offset = 0;
        }
        return _chunks[_chunk].GetSpan().Slice(_offset, length);
    }

    /// <summary>
    /// Appends every node of <paramref name="other"/>, in its order, and leaves it empty. The nodes in
    /// its large chunks are not copied: the chunks themselves move here (and go back to the system
    /// with this set's <see cref="Clear"/>); those in its first chunk, which it keeps for reuse, are.
    /// A checkpoint's export fills a set per thread and gathers them so: copied, each byte of a
    /// checkpoint (hundreds of megabytes at 10 M accounts) was written twice, each time into memory
    /// the system had to map and zero first.
    /// </summary>
    internal void MoveFrom(TrieNodeSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this)) throw new ArgumentException("a set cannot take its own nodes", nameof(other));
        if (other._count == 0) return;
        if (_chunks.Count == 0) _chunks.Add(new NativeMemoryBlock(FirstChunkSize)); // this set's own first chunk stays first
        int movedFrom = _chunks.Count; // where other's chunk 1 lands
        for (int i = 1; i < other._chunks.Count; i++) _chunks.Add(other._chunks[i]);
        EnsureEntries(checked(_count + other._count));
        for (int i = 0; i < other._count; i++)
        {
            ref readonly var entry = ref other.EntryAt(i);
            if (entry.Chunk == 0)
            {
                Add(other[i]);
                continue;
            }
            EntryAt(_count++) = entry with { Chunk = movedFrom + entry.Chunk - 1 };
            _bytes += entry.Length;
        }
        other._chunks.RemoveRange(1, other._chunks.Count - 1);
        other._count = other._chunk = other._offset = 0;
        other._bytes = 0;
    }

    /// <summary>Records the <paramref name="length"/> bytes written into the last <see cref="Reserve(int, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>.</summary>
    internal void Append(in Hash256 hash, int length)
    {
        if (_entries is null || _count == _capacity) EnsureEntries(_count + 1);
        EntryAt(_count++) = new Entry(hash, _chunk, _offset, length, (byte)_ownerLength, _pathLength);
        _offset += _ownerLength + _pathLength + length;
        _bytes += length;
    }

    // Room for at least `needed` entries, the capacity doubled as often as that takes.
    private void EnsureEntries(int needed)
    {
        if (_entries is not null && needed <= _capacity) return;
        while (_capacity < needed) _capacity = checked(_capacity * 2);
        if (_entries is null) _entries = new NativeMemoryBlock(checked(_capacity * sizeof(Entry)));
        else _entries.Resize(checked(_capacity * sizeof(Entry)));
    }

    /// <summary>
    /// Forgets every node. Keeps the first chunk and up to 65,536 entries' room for the next use, and
    /// gives everything past them back to the system now: a checkpoint's export over a large state is
    /// not kept through the blocks until the next one.
    /// </summary>
    public void Clear()
    {
        _count = 0;
        _chunk = 0;
        _offset = 0;
        _bytes = 0;
        for (int i = _chunks.Count - 1; i >= 1; i--)
        {
            ((IDisposable)_chunks[i]).Dispose();
            _chunks.RemoveAt(i);
        }
        if (_capacity > RetainedEntries)
        {
            _capacity = RetainedEntries;
            _entries?.Resize(_capacity * sizeof(Entry));
        }
    }

    /// <summary>Gives all its memory back now (a set filled again after this allocates anew).</summary>
    public void Dispose()
    {
        foreach (IDisposable chunk in _chunks) chunk.Dispose();
        _chunks.Clear();
        ((IDisposable?)_entries)?.Dispose();
        _entries = null;
        _count = _chunk = _offset = 0;
        _bytes = 0;
        _capacity = Math.Min(_capacity, RetainedEntries);
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
