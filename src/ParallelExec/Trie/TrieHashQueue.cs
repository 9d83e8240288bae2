using System.Runtime.InteropServices;
using Microsoft.Extensions.ObjectPool;
using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Encoded nodes waiting for their hash, in one buffer, grouped by height (0: no pending child;
/// otherwise one more than the highest pending child). A node's RLP is written when it is visited,
/// with a 32-byte hole for each child whose hash is pending. Nodes of one height never reference each
/// other, so a flush hashes all of height 0 in batches with <see cref="Keccak256Batch"/>, copies each
/// digest into the node's cached reference and into its parent's hole, then does height 1, and so on.
/// <para>
/// <see cref="TrieHasher"/> adds nodes in post-order and writes a node only after all its children
/// are queued, so at any moment every hole belongs to a queued node of lower height and a flush is
/// valid. A flush every <see cref="DefaultFlushThreshold"/> nodes keeps the nodes in cache until their
/// digest is written back (measured: 4096 is slower on a 1 M-account trie). One queue per thread; queues are pooled, so hashing allocates nothing per node.
/// </para>
/// <para>
/// While exporting (<see cref="ExportTo"/>), a flush also appends each node it hashes (its digest,
/// final RLP, owner and path) to a <see cref="TrieNodeSet"/>: the node export for a node database,
/// without walking the trie or encoding the nodes a second time. The walk keeps the nibbles down to
/// the node it visits in <see cref="Path"/>; a node queued while exporting keeps a copy of its path.
/// </para>
/// </summary>
internal sealed class TrieHashQueue
{
    public const int DefaultFlushThreshold = 1024;
    /// <summary>Inputs per <see cref="Keccak256Batch"/> call: enough to keep every lane busy.</summary>
    internal const int MaxBatch = 128;
    private const int InitialBufferSize = 256 * 1024;
    /// <summary>A queue grown past this (a huge value) is dropped instead of pooled.</summary>
    private const int MaxPooledBufferSize = 1024 * 1024;
    private const int MaxPooled = 64;

    private static readonly ObjectPool<TrieHashQueue> Pool = new DefaultObjectPool<TrieHashQueue>(new PoolPolicy(), MaxPooled);

    private struct Entry
    {
        public TrieNode Node;
        public int Offset;
        public int Length;
        public int Height;
        /// <summary>Where the digest goes in the parent's RLP; -1 while the parent is not written.</summary>
        public int Hole;
        /// <summary>The node's path in <see cref="_paths"/> (exporting only).</summary>
        public int PathOffset;
        public int PathLength;
    }

    private readonly int _flushThreshold;
    private readonly List<Entry> _entries;
    private readonly List<List<int>> _byHeight = [];
    private int _maxHeight = -1;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _used;

    private readonly int[] _offsets = new int[MaxBatch];
    private readonly int[] _lengths = new int[MaxBatch];
    private readonly byte[] _digests = new byte[MaxBatch * Keccak256Batch.DigestLength];
    private long _hashes;

    private TrieNodeSet? _export; // where a flush appends the nodes it hashes: _target or _own
    private TrieNodeSet? _target;
    private TrieNodeSet? _own; // kept with the pooled queue
    private byte[] _owner = [];
    private TrieRemovalLog? _removals;
    private byte[] _paths = new byte[4096]; // paths of the queued nodes, while exporting
    private int _pathsUsed;

    /// <summary>The nibbles from the trie's root down to the node being visited (the walk writes them).</summary>
    public byte[] Path = new byte[128];

    /// <summary>Makes <see cref="Path"/> hold at least <paramref name="length"/> nibbles.</summary>
    public void EnsurePath(int length)
    {
        if (Path.Length < length) Array.Resize(ref Path, Math.Max(length, 2 * Path.Length));
    }

    /// <summary>Starts a walk at <paramref name="path"/> (or at an untracked path when it is empty and <paramref name="depth"/> is not).</summary>
    public void StartAt(ReadOnlySpan<byte> path, int depth)
    {
        EnsurePath(depth + 1);
        if (path.Length == depth) path.CopyTo(Path);
    }

    /// <summary>
    /// A stored node at depth <paramref name="depth"/> of the walk was re-encoded under 32 bytes: it is
    /// embedded in its parent now, and its place is logged for removal.
    /// </summary>
    public void LogRemoval(int depth) => _removals?.Record(Path.AsSpan(0, depth));

    /// <summary>Stamped on each node this queue completes (<see cref="TrieNode.Generation"/>).</summary>
    public int Generation { get; private set; }

    /// <summary>A queue of its own; tests use tiny thresholds to flush at every possible point.</summary>
    internal TrieHashQueue(int flushThreshold = DefaultFlushThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(flushThreshold, 1);
        _flushThreshold = flushThreshold;
        _entries = new List<Entry>(Math.Min(flushThreshold, DefaultFlushThreshold));
    }

    /// <summary>A queue from the pool (taken once per hashing thread per root, never per node).</summary>
    public static TrieHashQueue Rent() => Pool.Get();

    /// <summary>Empties <paramref name="queue"/> and gives it back to the pool (dropped when it grew past <see cref="MaxPooledBufferSize"/>).</summary>
    public static void Return(TrieHashQueue queue) => Pool.Return(queue);

    private sealed class PoolPolicy : IPooledObjectPolicy<TrieHashQueue>
    {
        public TrieHashQueue Create() => new();

        public bool Return(TrieHashQueue queue)
        {
            if (queue._buffer.Length > MaxPooledBufferSize) return false;
            queue.Reset();
            return true;
        }
    }

    /// <summary>
    /// Stamps every node hashed from now on with <paramref name="generation"/> and appends it to
    /// <paramref name="nodes"/> (null: none). With
    /// <paramref name="concurrent"/> other threads may export into the same set meanwhile: the nodes
    /// are then collected in this queue's own set and added to <paramref name="nodes"/> under its lock
    /// by <see cref="EndExport"/>. Either way, call <see cref="EndExport"/> after the last flush.
    /// </summary>
    public void ExportTo(TrieNodeSet? nodes, bool concurrent, int generation, byte[]? owner = null, TrieRemovalLog? removals = null)
    {
        Generation = generation;
        _owner = owner ?? [];
        _removals = removals;
        _target = nodes;
        if (nodes is null || !concurrent)
        {
            _export = nodes;
            return;
        }
        _own ??= new TrieNodeSet();
        _own.Clear();
        _export = _own;
    }

    /// <summary>Ends the export started by <see cref="ExportTo"/> (a flush must have emptied the queue).</summary>
    public void EndExport()
    {
        if (_export is not null && _export == _own)
        {
            lock (_target!)
            {
                foreach (var node in _own) _target.Add(node);
            }
            _own.Clear(); // keeps its first chunk, gives the rest back
        }
        _export = _target = null;
        _removals = null;
    }

    /// <summary>Node hashes computed since the last call.</summary>
    public long TakeHashes()
    {
        long hashes = _hashes;
        _hashes = 0;
        return hashes;
    }

    /// <summary>
    /// Space for one node's RLP of <paramref name="length"/> bytes; <paramref name="offset"/> is where
    /// it starts in the buffer. Flushes first when the queue is full, which completes every pending node.
    /// </summary>
    public Span<byte> Reserve(int length, out int offset)
    {
        if (_entries.Count >= _flushThreshold || length > _buffer.Length - _used) Flush();
        if (length > _buffer.Length) _buffer = new byte[Math.Max(length, 2 * _buffer.Length)];
        offset = _used;
        _used += length;
        return _buffer.AsSpan(offset, length);
    }

    /// <summary>
    /// Queues the node whose RLP was written at <paramref name="offset"/>, at depth
    /// <paramref name="depth"/> of the walk; returns its handle.
    /// </summary>
    public int Add(TrieNode node, int offset, int length, int height, int depth)
    {
        int handle = _entries.Count;
        int pathOffset = _pathsUsed;
        if (_export is not null)
        {
            if (_pathsUsed + depth > _paths.Length) Array.Resize(ref _paths, Math.Max(2 * _paths.Length, _pathsUsed + depth));
            Path.AsSpan(0, depth).CopyTo(_paths.AsSpan(_pathsUsed));
            _pathsUsed += depth;
        }
        _entries.Add(new Entry { Node = node, Offset = offset, Length = length, Height = height, Hole = -1, PathOffset = pathOffset, PathLength = depth });
        while (_byHeight.Count <= height) _byHeight.Add([]);
        _byHeight[height].Add(handle);
        if (height > _maxHeight) _maxHeight = height;
        return handle;
    }

    public int HeightOf(int handle) => CollectionsMarshal.AsSpan(_entries)[handle].Height;

    /// <summary>The parent of <paramref name="handle"/> was written; its hash goes to <paramref name="hole"/>.</summary>
    public void SetHole(int handle, int hole) => CollectionsMarshal.AsSpan(_entries)[handle].Hole = hole;

    /// <summary>Hashes every queued node, lowest height first; afterwards all are clean.</summary>
    public void Flush()
    {
        var entries = CollectionsMarshal.AsSpan(_entries);
        for (int height = 0; height <= _maxHeight; height++)
        {
            var level = CollectionsMarshal.AsSpan(_byHeight[height]);
            for (int start = 0; start < level.Length; start += MaxBatch)
            {
                var batch = level.Slice(start, Math.Min(MaxBatch, level.Length - start));
                for (int k = 0; k < batch.Length; k++)
                {
                    ref var entry = ref entries[batch[k]];
                    _offsets[k] = entry.Offset;
                    _lengths[k] = entry.Length;
                }
                Keccak256Batch.Compute(_buffer.AsSpan(0, _used), _offsets.AsSpan(0, batch.Length), _lengths.AsSpan(0, batch.Length), _digests);
                for (int k = 0; k < batch.Length; k++)
                {
                    ref var entry = ref entries[batch[k]];
                    var digest = _digests.AsSpan(k * Keccak256Batch.DigestLength, NodeReference.HashLength);
                    digest.CopyTo(entry.Node.Reference.Bytes);
                    entry.Node.Reference.Length = NodeReference.HashLength;
                    entry.Node.Generation = Generation;
                    entry.Node.Stored = true;
                    if (entry.Hole >= 0) digest.CopyTo(_buffer.AsSpan(entry.Hole));
                    // Its holes are filled (children are of lower height): the RLP is final.
                    if (entry.Node is BranchNode branch) branch.KeepRlp(_buffer.AsSpan(entry.Offset, entry.Length));
                    _export?.Add(new Hash256(digest), _buffer.AsSpan(entry.Offset, entry.Length), _owner, _paths.AsSpan(entry.PathOffset, entry.PathLength));
                }
            }
            _byHeight[height].Clear();
        }
        _hashes += _entries.Count;
        _entries.Clear();
        _maxHeight = -1;
        _used = 0;
        _pathsUsed = 0;
    }

    /// <summary>Forgets anything left by a walk that threw; those nodes simply stay dirty.</summary>
    private void Reset()
    {
        foreach (var level in _byHeight) level.Clear();
        _entries.Clear();
        _maxHeight = -1;
        _used = 0;
        _hashes = 0;
        _own?.Clear();
        _export = _target = null;
        _removals = null;
        _owner = [];
        _pathsUsed = 0;
        Generation = 0;
    }
}
