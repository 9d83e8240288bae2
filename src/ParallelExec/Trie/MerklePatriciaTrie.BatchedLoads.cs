using System.Buffers;
using System.Runtime.CompilerServices;
using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Loading the nodes that many keys' walks need in batches: each walk goes as far as memory (and a
/// leaf built from a likely value) takes it, the nodes where they stop are read from the source at
/// once, and the walks go on from there. A database answers such a batch (a multi-get) for less than
/// a lookup each; a walk that loads alone reads one node at a time.
/// </summary>
public sealed partial class MerklePatriciaTrie
{
    private long _batchedLoads;

    /// <summary>Nodes loaded through <see cref="CompleteLoads"/> so far (for tests).</summary>
    internal long BatchedLoadCount => Interlocked.Read(ref _batchedLoads);

    /// <summary>A node not in memory that a walk reaches next: where it goes (its hash is read from there when it is loaded).</summary>
    internal struct PendingLoad
    {
        /// <summary>The branch or extension whose child it is.</summary>
        public TrieNode Parent;
        /// <summary>The branch's child; -1: the extension's.</summary>
        public int Nibble;
        /// <summary>A key whose path runs through it; the node lies at nibbles [0, <see cref="Depth"/>) of it.</summary>
        public byte[] Key;
        public int Depth;
    }

    /// <summary>
    /// Walks <paramref name="key"/> as <see cref="TryGet{TLikely}"/> would, building its leaf from
    /// <paramref name="likely"/> (asked only at a child not in memory) where the parent names that leaf's hash,
    /// up to the first node that must be loaded: true and its place then, false when the walk needs
    /// nothing from the source. The walk starts at <paramref name="from"/> (null: the root) at nibble
    /// <paramref name="fromDepth"/>, and a walk that stops leaves there the node above the one to load,
    /// so that once the load is done the next call goes on from it. Changes nothing but the leaf it builds.
    /// </summary>
    [SkipLocalsInit]
    internal bool FindLoad<TLikely>(byte[] key, ref TrieNode? from, ref int fromDepth, TLikely likely, out PendingLoad load)
        where TLikely : struct, ILikelyLeafValue
    {
        Span<byte> likelyValue = stackalloc byte[MaxLikelyValueLength];
        int likelyLength = -1; // not asked yet: a walk through memory never asks
        int keyNibbles = key.Length * 2;
        int depth = fromDepth;
        var node = from;
        if (node is null)
        {
            ResolveRoot();
            node = _root;
            depth = 0;
        }
        while (node is not null)
        {
            switch (node)
            {
                case ExtensionNode ext:
                    if (keyNibbles - depth < ext.Length || Nibbles.CommonPrefix(ext.KeySource, key, depth, ext.Length) != ext.Length) node = null;
                    else if (ext.Child is UnresolvedNode)
                    {
                        (from, fromDepth) = (ext, depth);
                        load = new PendingLoad { Parent = ext, Nibble = -1, Key = key, Depth = depth + ext.Length };
                        return true;
                    }
                    else
                    {
                        depth += ext.Length;
                        node = ext.Child;
                    }
                    break;
                case BranchNode branch when depth < keyNibbles:
                    int nibble = Nibbles.At(key, depth);
                    var child = branch.Children[nibble];
                    if (child is UnresolvedNode)
                    {
                        if (likelyLength < 0) likelyLength = Math.Clamp(likely.Write(likelyValue), 0, MaxLikelyValueLength);
                        if (likelyLength == 0 || TryBuildLeaf(branch, nibble, key, depth + 1, likelyValue[..likelyLength]) is not { } built)
                        {
                            (from, fromDepth) = (branch, depth);
                            load = new PendingLoad { Parent = branch, Nibble = nibble, Key = key, Depth = depth + 1 };
                            return true;
                        }
                        child = built;
                    }
                    node = child;
                    depth++;
                    break;
                default:
                    node = null; // a leaf, or the branch where the key ends: in memory
                    break;
            }
        }
        load = default;
        return false;
    }

    /// <summary>
    /// Reads the nodes of <paramref name="loads"/> (distinct places) from the source in one batch,
    /// checks each against its hash and puts it in its place, as a walk's own load would. A place
    /// filled since its walk stopped there (another key's walk built its leaf) is not read. False when
    /// the source lacked a node or gave bytes of another hash: that node stays unresolved, and the walk
    /// that reaches it loads it alone and reports it as usual (<see cref="MissingTrieNodeException"/>).
    /// </summary>
    internal bool CompleteLoads(ReadOnlySpan<PendingLoad> loads)
    {
        if (_source is null) throw new InvalidOperationException("a trie without a node source reached a node not in memory");
        var asked = ArrayPool<int>.Shared.Rent(loads.Length);
        var paths = ArrayPool<byte[]>.Shared.Rent(loads.Length);
        var hashes = ArrayPool<Hash256>.Shared.Rent(loads.Length);
        var rlps = ArrayPool<byte[]?>.Shared.Rent(loads.Length);
        try
        {
            int n = 0;
            for (int i = 0; i < loads.Length; i++)
            {
                ref readonly var load = ref loads[i];
                if (ChildAt(load) is not UnresolvedNode unresolved) continue;
                var path = new byte[load.Depth];
                for (int d = 0; d < path.Length; d++) path[d] = (byte)Nibbles.At(load.Key, d);
                asked[n] = i;
                paths[n] = path;
                // A branch's child held as InParent has its hash in the branch's kept RLP (parsed only
                // for the places read: accounts under one cold node share its load).
                hashes[n++] = load.Parent is BranchNode branch ? branch.UnresolvedChildHash(load.Nibble) : unresolved.Hash;
            }
            if (n == 0) return true;
            _source.TryGetNodes(_owner, paths.AsSpan(0, n), hashes.AsSpan(0, n), rlps.AsSpan(0, n));
            MarkWrongBytes(rlps.AsSpan(0, n), hashes.AsSpan(0, n));
            int loaded = 0;
            for (int i = 0; i < n; i++)
            {
                var rlp = rlps[i];
                if (rlp is null) continue;
                var node = DecodeLoaded(rlp, paths[i], hashes[i]);
                ref readonly var load = ref loads[asked[i]];
                if (load.Parent is BranchNode branch) branch.ResolveChild(load.Nibble, node);
                else ((ExtensionNode)load.Parent).Child = node;
                loaded++;
            }
            Interlocked.Add(ref _loadedNodes, loaded);
            Interlocked.Add(ref _batchedLoads, loaded);
            return loaded == n;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(asked);
            ArrayPool<byte[]>.Shared.Return(paths, clearArray: true);
            ArrayPool<Hash256>.Shared.Return(hashes);
            ArrayPool<byte[]?>.Shared.Return(rlps, clearArray: true);
        }
    }

    /// <summary>
    /// Drops (sets to null) every node whose bytes do not hash to the hash asked: all are hashed in
    /// one <see cref="Keccak256Batch"/> pass (several inputs per permutation, as the warming's scans
    /// check theirs), copied together first.
    /// </summary>
    private static void MarkWrongBytes(Span<byte[]?> rlps, ReadOnlySpan<Hash256> hashes)
    {
        int n = rlps.Length, total = 0;
        foreach (var rlp in rlps) total += rlp?.Length ?? 0;
        var source = ArrayPool<byte>.Shared.Rent(total);
        var offsets = ArrayPool<int>.Shared.Rent(n);
        var lengths = ArrayPool<int>.Shared.Rent(n);
        var digests = ArrayPool<byte>.Shared.Rent(n * Keccak256Batch.DigestLength);
        try
        {
            int at = 0;
            for (int i = 0; i < n; i++)
            {
                var rlp = rlps[i] ?? [];
                rlp.CopyTo(source, at);
                offsets[i] = at;
                lengths[i] = rlp.Length;
                at += rlp.Length;
            }
            Keccak256Batch.Compute(source.AsSpan(0, total), offsets.AsSpan(0, n), lengths.AsSpan(0, n), digests);
            for (int i = 0; i < n; i++)
            {
                if (rlps[i] is not null && hashes[i] != new Hash256(digests.AsSpan(i * Keccak256Batch.DigestLength, Keccak256Batch.DigestLength)))
                    rlps[i] = null;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(source);
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<int>.Shared.Return(lengths);
            ArrayPool<byte>.Shared.Return(digests);
        }
    }

    private static TrieNode? ChildAt(in PendingLoad load) =>
        load.Parent is BranchNode branch ? branch.Children[load.Nibble] : ((ExtensionNode)load.Parent).Child;
}
