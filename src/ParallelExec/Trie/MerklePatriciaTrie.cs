using System.Runtime.CompilerServices;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Ethereum's hexary Merkle Patricia Trie over raw keys (the key's nibbles are the path). In memory,
/// mutable, not thread-safe for writers. Node references (hash, or RLP when shorter than 32 bytes)
/// are cached; a change clears only the caches on its path, so <see cref="ComputeRoot(int)"/> after a few
/// updates re-hashes only those paths. An empty value deletes the key, as in Ethereum.
/// </summary>
public sealed partial class MerklePatriciaTrie
{
    /// <summary>Root of the empty trie: keccak256(rlp("")) = 0x56e8…b421.</summary>
    public static readonly Hash256 EmptyRoot = Hash256.Parse("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

    private TrieNode? _root;
    private int _count;
    private long _hashCount;
    private Hash256 _rootHash = EmptyRoot;
    private bool _rootHashValid = true;

    /// <summary>
    /// Number of keys held. Not known for a trie opened from a node source with keys in it
    /// (<see cref="Open"/>): that throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public int Count => _countKnown ? _count : throw new InvalidOperationException("the key count of a trie opened from a node source is not known");

    /// <summary>Whether the trie holds no key.</summary>
    public bool IsEmpty => _root is null;

    /// <summary>Keccak-256 computations made for node hashes so far.</summary>
    public long HashCount => Interlocked.Read(ref _hashCount);

    internal TrieNode? Root => _root;

    /// <summary>Stamped on every node hashed from now on (<see cref="TrieNode.Generation"/>); set by <see cref="StateTrie"/>.</summary>
    internal int Generation;

    /// <summary>Inserts or updates <paramref name="key"/>; an empty <paramref name="value"/> deletes it.</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Set(key, null, value);

    /// <summary>
    /// Like <see cref="Set(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>, but a newly stored key keeps
    /// <paramref name="ownedKey"/> (which the caller must never change) instead of a copy.
    /// </summary>
    internal void Set(byte[] ownedKey, ReadOnlySpan<byte> value) => Set(ownedKey, ownedKey, value);

    private void Set(ReadOnlySpan<byte> key, byte[]? ownedKey, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            Delete(key);
            return;
        }
        bool changed = false;
        int added = 0;
        ResolveRoot();
        _root = Insert(_root, key, ownedKey, 0, value, ref changed, ref added);
        _count += added;
        if (changed) _rootHashValid = false;
    }

    /// <summary>
    /// Sets many keys at once; key i keeps <paramref name="ownedKeys"/>[i] (never changed by the
    /// caller) and gets the value <c>values[offsets[i] .. offsets[i] + lengths[i]]</c> (not empty).
    /// When the root is a branch, the keys under each of its sixteen children form independent
    /// subtries, filled on up to <paramref name="degreeOfParallelism"/> threads; the trie is the
    /// same as after setting the keys one by one in any order (each key at most once). With
    /// <paramref name="hashSubtries"/>, each subtrie is hashed right after its keys are set, while
    /// the nodes just walked are still in cache (the next <see cref="ComputeRoot(int)"/> then hashes
    /// only the root); otherwise its dirty nodes stay for <see cref="ComputeRoot(int)"/>. The nodes hashed
    /// here are appended to <paramref name="export"/> when one is given.
    /// </summary>
    internal void SetMany(byte[][] ownedKeys, byte[] values, int[] offsets, int[] lengths, int count, int degreeOfParallelism, bool hashSubtries = false,
        TrieNodeSet? export = null)
    {
        ResolveRoot();
        if (count < BucketedSetMinimum || _root is not BranchNode root)
        {
            var prefetcher = new TriePathPrefetcher();
            for (int i = 0; i < Math.Min(count, TriePathPrefetcher.Lanes); i++) prefetcher.Start(_root, ownedKeys[i], 0);
            for (int i = 0; i < count; i++)
            {
                prefetcher.Step();
                Set(ownedKeys[i], ownedKeys[i], values.AsSpan(offsets[i], lengths[i]));
                if (i + TriePathPrefetcher.Lanes < count) prefetcher.Start(_root, ownedKeys[i + TriePathPrefetcher.Lanes], 0);
            }
            return;
        }
        // Bucket the keys by their first nibble (a stable counting sort, no per-key allocation).
        var start = new int[17];
        for (int i = 0; i < count; i++)
        {
            if (ownedKeys[i].Length == 0) throw new ArgumentException("SetMany takes keys of at least one byte", nameof(ownedKeys));
            start[(ownedKeys[i][0] >> 4) + 1]++;
        }
        for (int b = 0; b < 16; b++) start[b + 1] += start[b];
        var order = new int[count];
        var next = (int[])start.Clone();
        for (int i = 0; i < count; i++) order[next[ownedKeys[i][0] >> 4]++] = i;

        bool parallel = degreeOfParallelism > 1 && count >= ParallelSetMinimum;
        // Each bucket fills (and hashes) one subtrie; the root itself is only changed afterwards, on this thread.
        var subtries = new TrieNode?[16];
        var changedSubtries = new bool[16];
        int added = 0;
        long hashes = 0;
        void FillSubtrie(int b)
        {
            if (start[b] == start[b + 1]) return;
            bool changed = false;
            int subtreeAdded = 0;
            var child = root.Children[b];
            try
            {
                // Each bucket loads its own child: distinct slots of the root, no two threads on one.
                if (child is UnresolvedNode)
                {
                    child = Resolve(root.UnresolvedChildHash(b), ownedKeys[order[start[b]]], 1);
                    root.ResolveChild(b, child);
                }
                var prefetcher = new TriePathPrefetcher();
                int end = start[b + 1];
                for (int k = start[b]; k < Math.Min(end, start[b] + TriePathPrefetcher.Lanes); k++) prefetcher.Start(child, ownedKeys[order[k]], 1);
                for (int k = start[b]; k < end; k++)
                {
                    prefetcher.Step();
                    int i = order[k];
                    child = Insert(child, ownedKeys[i], ownedKeys[i], 1, values.AsSpan(offsets[i], lengths[i]), ref changed, ref subtreeAdded);
                    if (k + TriePathPrefetcher.Lanes < end) prefetcher.Start(child, ownedKeys[order[k + TriePathPrefetcher.Lanes]], 1);
                }
                if (hashSubtries)
                {
                    long subtreeHashes = 0;
                    // Not null: a key was set below.
                    TrieHasher.Compute(child!, 1, ref subtreeHashes, Generation, export, parallel, _owner, _removals, [(byte)b]);
                    Interlocked.Add(ref hashes, subtreeHashes);
                }
            }
            finally
            {
                // Also after a missing node: the keys set before it are in the subtrie, which must be linked.
                subtries[b] = child;
                changedSubtries[b] = changed;
                Interlocked.Add(ref added, subtreeAdded);
            }
        }
        Exception? missing = null;
        try
        {
            if (parallel)
            {
                Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, FillSubtrie);
            }
            else
            {
                for (int b = 0; b < 16; b++) FillSubtrie(b);
            }
        }
        catch (AggregateException e) when (e.InnerExceptions[0] is MissingTrieNodeException)
        {
            missing = e.InnerExceptions[0];
        }
        finally
        {
            LinkSubtries(root, subtries, changedSubtries, added, hashes);
        }
        if (missing is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(missing);
    }

    /// <summary>Puts the subtries <see cref="SetMany"/> filled under the root (on this thread).</summary>
    private void LinkSubtries(BranchNode root, TrieNode?[] subtries, bool[] changedSubtries, int added, long hashes)
    {
        _count += added;
        Interlocked.Add(ref _hashCount, hashes);
        bool anyChanged = false;
        for (int b = 0; b < 16; b++)
        {
            if (!changedSubtries[b]) continue;
            root.SetChild(b, subtries[b]);
            anyChanged = true;
        }
        if (anyChanged)
        {
            root.MarkDirty();
            _rootHashValid = false;
        }
    }

    /// <summary>Fewer keys than this are set one by one from the root: bucketing them costs more than it saves.</summary>
    private const int BucketedSetMinimum = 256;

    /// <summary>Fewer keys than this are set on one thread: spreading them costs more than it saves.</summary>
    private const int ParallelSetMinimum = 2048;

    /// <summary>Removes <paramref name="key"/>; returns false when it was not present.</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        bool changed = false;
        ResolveRoot();
        _root = Remove(_root, key, 0, ref changed);
        if (changed) _rootHashValid = false;
        return changed;
    }

    /// <summary>The value stored under <paramref name="key"/>, if any.</summary>
    public bool TryGet(scoped ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value) => TryGet(key, out value, default(NothingLikely));

    /// <summary>
    /// <see cref="TryGet(ReadOnlySpan{byte}, out ReadOnlySpan{byte})"/>, where <paramref name="likely"/>
    /// says what the key probably holds: at a child not in memory on the key's way, the leaf of the
    /// key holding that value is built, and taken in place of a load when its hash is the one the
    /// parent names (see <see cref="TryBuildLeaf"/>). Any other child is loaded as usual.
    /// </summary>
    [SkipLocalsInit]
    internal bool TryGet<TLikely>(scoped ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value, TLikely likely) where TLikely : struct, ILikelyLeafValue
    {
        Span<byte> likelyValue = stackalloc byte[MaxLikelyValueLength];
        int likelyLength = -1; // not asked yet
        int keyNibbles = key.Length * 2;
        int depth = 0;
        ResolveRoot();
        var node = _root;
        while (node is not null)
        {
            switch (node)
            {
                case LeafNode leaf:
                    if (leaf.Key.AsSpan().SequenceEqual(key))
                    {
                        value = leaf.Value;
                        return true;
                    }
                    value = default;
                    return false;
                case ExtensionNode ext:
                    if (keyNibbles - depth < ext.Length || Nibbles.CommonPrefix(ext.KeySource, key, depth, ext.Length) != ext.Length)
                    {
                        value = default;
                        return false;
                    }
                    depth += ext.Length;
                    node = ChildOf(ext, key, depth);
                    break;
                case BranchNode branch:
                    if (depth == keyNibbles)
                    {
                        value = branch.Value;
                        return branch.Value is not null;
                    }
                    int nibble = Nibbles.At(key, depth);
                    node = null;
                    if (likelyLength != 0 && branch.Children[nibble] is UnresolvedNode)
                    {
                        if (likelyLength < 0) likelyLength = Math.Clamp(likely.Write(likelyValue), 0, MaxLikelyValueLength);
                        if (likelyLength > 0) node = TryBuildLeaf(branch, nibble, key, depth + 1, likelyValue[..likelyLength]);
                    }
                    node ??= ChildOf(branch, nibble, key, depth + 1);
                    depth++;
                    break;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The longest value an <see cref="ILikelyLeafValue"/> may give (an account's is at most 110 bytes).</summary>
    internal const int MaxLikelyValueLength = 160;

    // Knows nothing: a walk that loads every node.
    private readonly struct NothingLikely : ILikelyLeafValue
    {
        public int Write(Span<byte> destination) => 0;
    }

    /// <summary>The value stored under <paramref name="key"/> (a copy), or null.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key) => TryGet(key, out var value) ? value.ToArray() : null;

    /// <summary>
    /// The root hash. Only nodes changed since the last call are re-hashed. With
    /// <paramref name="degreeOfParallelism"/> above 1 the subtrees below the top two branch levels
    /// are hashed on that many threads; the result is the same.
    /// </summary>
    public Hash256 ComputeRoot(int degreeOfParallelism = 1) => ComputeRoot(degreeOfParallelism, null);

    /// <summary>
    /// As <see cref="ComputeRoot(int)"/>, appending every node it hashes to <paramref name="export"/>
    /// (<paramref name="concurrent"/>: other threads may append to it meanwhile), with this trie's
    /// owner and each node's path, and (when <see cref="RecordsRemovals"/>) a removal record for each
    /// place logged since the last export.
    /// </summary>
    internal Hash256 ComputeRoot(int degreeOfParallelism, TrieNodeSet? export, bool concurrent = false)
    {
        if (_rootHashValid)
        {
            if (export is not null) ExportRemovals(export, concurrent);
            return _rootHash;
        }
        long hashes = 0;
        _rootHash = TrieHasher.ComputeRoot(_root, degreeOfParallelism, ref hashes, Generation, export, concurrent, _owner, _removals);
        if (export is not null) ExportRemovals(export, concurrent);
        Interlocked.Add(ref _hashCount, hashes);
        _rootHashValid = true;
        return _rootHash;
    }

    /// <summary>
    /// The RLP lengths of the nodes Keccak sees (those referenced by hash, and the root): all of them,
    /// or only those the next <see cref="ComputeRoot(int)"/> will re-hash (a dirty child is counted as a
    /// 33-byte hash reference). For benchmarks that compare against bare Keccak on the same inputs.
    /// </summary>
    public List<int> HashedNodeLengths(bool dirtyOnly = false)
    {
        var lengths = new List<int>();
        if (_root is not null) TrieHasher.CollectHashedLengths(_root, 0, lengths, isRoot: true, dirtyOnly, Generation);
        return lengths;
    }

    private TrieNode Insert(TrieNode? node, ReadOnlySpan<byte> key, byte[]? ownedKey, int depth, ReadOnlySpan<byte> value, ref bool changed, ref int added)
    {
        int keyNibbles = key.Length * 2;
        switch (node)
        {
            case null:
                changed = true;
                added++;
                return new LeafNode(ownedKey ?? key.ToArray(), value.ToArray());

            case LeafNode leaf:
            {
                var leafKey = leaf.Key;
                int leafNibbles = leafKey.Length * 2;
                int limit = Math.Min(leafNibbles, keyNibbles) - depth;
                int common = Nibbles.CommonPrefix(leafKey, key, depth, limit);
                if (common == limit && leafNibbles == keyNibbles)
                {
                    var replaced = Replace(leaf.Value, value);
                    if (replaced is null) return leaf;
                    leaf.Value = replaced;
                    leaf.MarkDirty();
                    changed = true;
                    return leaf;
                }
                changed = true;
                added++;
                Vanish(leaf, key, depth); // it moves below the new branch
                int split = depth + common;
                var branch = new BranchNode();
                PlaceLeaf(branch, split, leaf);
                PlaceLeaf(branch, split, new LeafNode(ownedKey ?? key.ToArray(), value.ToArray()));
                return common == 0 ? branch : new ExtensionNode(leafKey, common, branch);
            }

            case ExtensionNode ext:
            {
                int limit = Math.Min(ext.Length, keyNibbles - depth);
                int common = Nibbles.CommonPrefix(ext.KeySource, key, depth, limit);
                if (common == ext.Length)
                {
                    ext.Child = Insert(ChildOf(ext, key, depth + ext.Length), key, ownedKey, depth + ext.Length, value, ref changed, ref added);
                    if (changed) ext.MarkDirty();
                    return ext;
                }
                changed = true;
                added++;
                Vanish(ext, key, depth); // it moves below the new branch, or goes
                int split = depth + common;
                var keySource = ext.KeySource;
                var branch = new BranchNode();
                int rest = ext.Length - common - 1;
                if (rest == 0)
                {
                    // The child branch keeps its place in the tree shape; its cached reference stays valid.
                    branch.SetChild(Nibbles.At(keySource, split), ext.Child);
                }
                else
                {
                    ext.Length = rest;
                    ext.MarkDirty();
                    branch.SetChild(Nibbles.At(keySource, split), ext);
                }
                PlaceLeaf(branch, split, new LeafNode(ownedKey ?? key.ToArray(), value.ToArray()));
                return common == 0 ? branch : new ExtensionNode(keySource, common, branch);
            }

            case BranchNode branch:
            {
                if (depth == keyNibbles)
                {
                    if (branch.Value is null)
                    {
                        branch.Value = value.ToArray();
                        branch.ValueKey = ownedKey ?? key.ToArray();
                        added++;
                    }
                    else
                    {
                        var replaced = Replace(branch.Value, value);
                        if (replaced is null) return branch;
                        branch.Value = replaced;
                    }
                    branch.MarkDirty();
                    changed = true;
                    return branch;
                }
                int nibble = Nibbles.At(key, depth);
                var child = Insert(ChildOf(branch, nibble, key, depth + 1), key, ownedKey, depth + 1, value, ref changed, ref added);
                if (changed)
                {
                    branch.SetChild(nibble, child);
                    branch.MarkDirty();
                }
                return branch;
            }

            default:
                throw new InvalidOperationException("unknown node type");
        }
    }

    /// <summary>
    /// The array to hold <paramref name="value"/> in place of <paramref name="old"/> (reused when the
    /// lengths match); null when the value is unchanged.
    /// </summary>
    private static byte[]? Replace(byte[] old, ReadOnlySpan<byte> value)
    {
        if (old.AsSpan().SequenceEqual(value)) return null;
        if (old.Length != value.Length) return value.ToArray();
        value.CopyTo(old);
        return old;
    }

    /// <summary>Puts a leaf below a new branch at <paramref name="depth"/>: as its value when the key ends there.</summary>
    private static void PlaceLeaf(BranchNode branch, int depth, LeafNode leaf)
    {
        if (leaf.Key.Length * 2 == depth)
        {
            branch.Value = leaf.Value;
            branch.ValueKey = leaf.Key;
            return;
        }
        leaf.MarkDirty();
        branch.SetChild(Nibbles.At(leaf.Key, depth), leaf);
    }

    private TrieNode? Remove(TrieNode? node, ReadOnlySpan<byte> key, int depth, ref bool changed)
    {
        int keyNibbles = key.Length * 2;
        switch (node)
        {
            case null:
                return null;

            case LeafNode leaf:
                if (!leaf.Key.AsSpan().SequenceEqual(key)) return leaf;
                changed = true;
                _count--;
                Vanish(leaf, key, depth);
                return null;

            case ExtensionNode ext:
            {
                if (keyNibbles - depth < ext.Length || Nibbles.CommonPrefix(ext.KeySource, key, depth, ext.Length) != ext.Length) return ext;
                var child = Remove(ChildOf(ext, key, depth + ext.Length), key, depth + ext.Length, ref changed);
                if (!changed) return ext;
                switch (child)
                {
                    case LeafNode collapsedLeaf:
                        // The leaf's key already holds the extension's nibbles: it just starts higher.
                        Vanish(ext, key, depth);
                        collapsedLeaf.MarkDirty();
                        return collapsedLeaf;
                    case ExtensionNode collapsedExtension:
                        Vanish(ext, key, depth);
                        collapsedExtension.Length += ext.Length;
                        collapsedExtension.MarkDirty();
                        return collapsedExtension;
                    default:
                        ext.Child = child!;
                        ext.MarkDirty();
                        return ext;
                }
            }

            case BranchNode branch:
            {
                if (depth == keyNibbles)
                {
                    if (branch.Value is null) return branch;
                    ResolveLoneSibling(branch, -1, key, depth);
                    branch.Value = null;
                    branch.ValueKey = null;
                    changed = true;
                    _count--;
                }
                else
                {
                    int nibble = Nibbles.At(key, depth);
                    var old = ChildOf(branch, nibble, key, depth + 1);
                    if (old is null) return branch;
                    // Only a leaf removed outright empties a slot (and may leave one entry): load that entry first.
                    if (old is LeafNode leaf && leaf.Key.AsSpan().SequenceEqual(key)) ResolveLoneSibling(branch, nibble, key, depth);
                    var updated = Remove(old, key, depth + 1, ref changed);
                    if (!changed) return branch;
                    branch.SetChild(nibble, updated);
                }
                branch.MarkDirty();
                return Collapse(branch, key, depth);
            }

            default:
                throw new InvalidOperationException("unknown node type");
        }
    }

    /// <summary>
    /// Replaces a branch (at <paramref name="depth"/> on <paramref name="key"/>'s path) left with a
    /// single entry by the equivalent leaf or extension. That entry is in memory
    /// (<see cref="ResolveLoneSibling"/> loaded it before the removal).
    /// </summary>
    private TrieNode Collapse(BranchNode branch, ReadOnlySpan<byte> key, int depth)
    {
        int only = -1;
        for (int i = 0; i < 16; i++)
        {
            if (branch.Children[i] is null) continue;
            if (only >= 0 || branch.Value is not null) return branch; // two or more entries remain
            only = i;
        }
        Vanish(branch, key, depth);
        if (only < 0)
        {
            // Only the value is left: it becomes a leaf with an empty path.
            return new LeafNode(branch.ValueKey!, branch.Value!);
        }
        var child = branch.Children[only]!;
        switch (child)
        {
            case LeafNode leaf:
                Vanish(leaf, key, depth, only); // it moves up into the branch's place
                leaf.MarkDirty();
                return leaf;
            case ExtensionNode ext:
                Vanish(ext, key, depth, only);
                ext.Length += 1;
                ext.MarkDirty();
                return ext;
            case UnresolvedNode:
                throw new InvalidOperationException("a branch collapsed onto a node not in memory");
            default:
                // A branch stays where it is, below a new one-nibble extension.
                return new ExtensionNode(child.AnyKey() ?? KeyThrough(key, depth, only), 1, child);
        }
    }
}
