using System.Runtime.CompilerServices;
using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Computes node references bottom-up; clean subtrees are skipped. A post-order walk encodes each
/// dirty node while it is in cache, straight into a <see cref="TrieHashQueue"/>'s buffer, leaving a
/// 32-byte hole where a child's hash is still pending; the queue hashes the nodes height by height
/// with <see cref="Keccak256Batch"/> (several Keccak states per instruction) and fills each digest
/// into the node's cached reference and its parent's hole. A branch that kept its RLP is re-encoded
/// from it: only its stale children are read (see <see cref="BranchNode"/>). The parallel form walks
/// the dirty subtrees below the top branch levels on several threads, each with its own queue, then
/// finishes the top single-threaded, so its result is identical to the serial one.
/// </summary>
internal static class TrieHasher
{
    /// <summary>Branch levels above the subtrees handed to worker threads (2 → up to 256 subtrees).</summary>
    private const int ParallelBranchLevels = 2;

    /// <summary>
    /// The root hash. With <paramref name="export"/>, every node hashed (each dirty node referenced by
    /// hash, and a dirty root) is appended to it, digest and RLP; <paramref name="concurrent"/>: other
    /// threads may be appending to it meanwhile (see <see cref="TrieHashQueue.ExportTo"/>). Every node
    /// hashed gets <paramref name="generation"/> (<see cref="TrieNode.Generation"/>). Exported nodes
    /// carry <paramref name="owner"/> and their path; a stored node re-encoded under 32 bytes (now
    /// embedded) has its place logged in <paramref name="removals"/>.
    /// </summary>
    public static Hash256 ComputeRoot(TrieNode? root, int degreeOfParallelism, ref long hashes, int generation, TrieNodeSet? export = null, bool concurrent = false,
        byte[]? owner = null, TrieRemovalLog? removals = null)
    {
        if (root is null) return MerklePatriciaTrie.EmptyRoot;
        bool dirty = root.IsDirty;
        if (degreeOfParallelism > 1 && dirty) ComputeSubtreesInParallel(root, degreeOfParallelism, ref hashes, generation, export, owner, removals);
        Compute(root, 0, ref hashes, generation, export, concurrent, owner, removals, []);
        root.Stored = true; // a root is always stored, even when under 32 bytes
        if (root.Reference.IsHash) return new Hash256(ReferenceSpan(root));
        // The root is always hashed (and stored), even when its RLP is shorter than 32 bytes.
        hashes++;
        var rlp = ReferenceSpan(root)[..root.Reference.Length];
        var hash = Keccak256.Compute(rlp);
        if (dirty && export is not null)
        {
            if (!concurrent) export.Add(hash, rlp, owner, []);
            else lock (export) export.Add(hash, rlp, owner, []);
        }
        return hash;
    }

    private static void ComputeSubtreesInParallel(TrieNode root, int degreeOfParallelism, ref long hashes, int generation, TrieNodeSet? export,
        byte[]? owner, TrieRemovalLog? removals)
    {
        var work = new List<(TrieNode Node, int Depth, byte[]? Path)>();
        // Paths are needed only to export nodes or log removals.
        CollectDirtySubtrees(root, export is not null || removals is not null ? new byte[16] : null, 0, ParallelBranchLevels, work);
        if (work.Count < 2) return;
        long total = 0;
        // Each worker queues all the subtrees it takes, so its batches span subtrees.
        Parallel.For(
            0,
            work.Count,
            new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism },
            () =>
            {
                var queue = TrieHashQueue.Rent();
                queue.ExportTo(export, concurrent: true, generation, owner, removals);
                return queue;
            },
            (i, _, queue) =>
            {
                var (node, depth, path) = work[i];
                queue.StartAt(path, depth);
                Visit(node, depth, queue);
                return queue;
            },
            queue =>
            {
                queue.Flush();
                queue.EndExport();
                Interlocked.Add(ref total, queue.TakeHashes());
                TrieHashQueue.Return(queue);
            });
        hashes += total;
    }

    /// <summary>Collects the dirty subtrees below the top branch levels, with their paths when <paramref name="path"/> is given.</summary>
    private static void CollectDirtySubtrees(TrieNode node, byte[]? path, int depth, int branchLevels, List<(TrieNode, int, byte[]?)> work)
    {
        if (!node.IsDirty) return;
        switch (node)
        {
            case ExtensionNode ext:
                if (path is not null)
                {
                    if (path.Length < depth + ext.Length + 1) Array.Resize(ref path, depth + ext.Length + 16);
                    for (int i = depth; i < depth + ext.Length; i++) path[i] = (byte)Nibbles.At(ext.KeySource, i);
                }
                CollectDirtySubtrees(ext.Child, path, depth + ext.Length, branchLevels, work);
                break;
            case BranchNode branch when branchLevels > 0:
                var children = branch.Children;
                for (int i = 0; i < children.Length; i++)
                {
                    if (children[i] is not { } child) continue;
                    if (path is not null) path[depth] = (byte)i;
                    CollectDirtySubtrees(child, path, depth + 1, branchLevels - 1, work);
                }
                break;
            default:
                work.Add((node, depth, path?[..depth]));
                break;
        }
    }

    /// <summary>Makes <paramref name="node"/>'s reference current, computing dirty descendants first.</summary>
    /// <param name="node">The node to hash.</param>
    /// <param name="depth">Its depth in nibbles from the root.</param>
    /// <param name="hashes">Incremented by the number of Keccak-256 hashes computed.</param>
    /// <param name="generation">The current hashing generation (marks the references computed by this pass).</param>
    /// <param name="concurrent">Other threads may be appending to <paramref name="export"/> meanwhile.</param>
    /// <param name="export">Where to append the nodes hashed (see <see cref="ComputeRoot"/>), or null.</param>
    /// <param name="owner">The trie's owner, for the exported nodes.</param>
    /// <param name="removals">Where places of stored nodes now embedded are logged, or null.</param>
    /// <param name="path">The node's path (nibbles; <paramref name="depth"/> of them), or empty when neither exported nor logged.</param>
    public static void Compute(TrieNode node, int depth, ref long hashes, int generation, TrieNodeSet? export = null, bool concurrent = false,
        byte[]? owner = null, TrieRemovalLog? removals = null, ReadOnlySpan<byte> path = default)
    {
        if (!node.IsDirty) return;
        var queue = TrieHashQueue.Rent();
        queue.ExportTo(export, concurrent, generation, owner, removals);
        queue.StartAt(path, depth);
        Compute(node, depth, queue);
        queue.EndExport();
        hashes += queue.TakeHashes();
        TrieHashQueue.Return(queue);
    }

    /// <summary>As above, through a given queue (tests pass one that flushes often).</summary>
    internal static void Compute(TrieNode node, int depth, TrieHashQueue queue)
    {
        queue.EnsurePath(depth + 1);
        Visit(node, depth, queue);
        queue.Flush();
    }

    /// <summary>
    /// Encodes the dirty <paramref name="node"/> after its dirty descendants (post-order). Returns its
    /// handle in <paramref name="queue"/> when its hash is pending, or -1 when its reference is
    /// already final (RLP under 32 bytes, inlined in the parent, or <paramref name="node"/> clean).
    /// </summary>
    [SkipLocalsInit]
    private static int Visit(TrieNode node, int depth, TrieHashQueue queue)
    {
        if (!node.IsDirty) return -1;
        switch (node)
        {
            case LeafNode leaf:
            {
                var destination = Destination(leaf, LeafLength(leaf.Key.Length * 2 - depth, leaf.Value), queue, out int offset);
                WriteLeaf(destination, leaf.Key, depth, leaf.Value);
                return Done(leaf, destination.Length, offset, height: 0, queue, depth);
            }
            case ExtensionNode ext:
            {
                var child = ext.Child;
                int childDepth = depth + ext.Length;
                if (child.IsDirty)
                {
                    // The run, into the walk's path.
                    queue.EnsurePath(childDepth + 1);
                    var path = queue.Path;
                    for (int i = depth; i < childDepth; i++) path[i] = (byte)Nibbles.At(ext.KeySource, i);
                }
                int childHandle = Visit(child, childDepth, queue);
                int payload = PathItemLength(ext.Length) + ReferenceLength(child);
                var destination = Destination(ext, RlpWriter.LengthOfList(payload), queue, out int offset);
                int o = RlpWriter.WriteListHeader(destination, payload);
                o += WritePathItem(destination[o..], ext.KeySource, depth, ext.Length, isLeaf: false);
                int height = 0;
                WriteChild(destination, o, offset, child, childHandle, queue, ref height);
                return Done(ext, destination.Length, offset, height, queue, depth);
            }
            default:
                return VisitBranch((BranchNode)node, depth, queue);
        }
    }

    /// <summary>
    /// A branch is re-encoded from its kept RLP: only the stale children are visited and written; the
    /// references of the others are copied from the old RLP in runs, without reading those children.
    /// </summary>
    [SkipLocalsInit]
    private static int VisitBranch(BranchNode branch, int depth, TrieHashQueue queue)
    {
        var children = branch.Children;
        int stale = branch.StaleChildren;
        var old = branch.Rlp;
        Span<int> oldItems = stackalloc int[17];
        if (old is not null) ChildItemOffsets(old, oldItems);
        PrefetchChildren(children, stale);
        Span<int> handles = stackalloc int[16];
        queue.EnsurePath(depth + 2);
        var path = queue.Path;
        for (int i = 0; i < 16; i++)
        {
            handles[i] = -1;
            if ((stale & (1 << i)) == 0 || children[i] is not { } child) continue;
            path[depth] = (byte)i;
            handles[i] = Visit(child, depth + 1, queue);
        }
        int payload = branch.Value is null ? 1 : RlpWriter.LengthOf(branch.Value);
        for (int i = 0; i < 16; i++)
        {
            if ((stale & (1 << i)) == 0) payload += oldItems[i + 1] - oldItems[i];
            else payload += children[i] is { } child ? ReferenceLength(child) : 1;
        }
        var destination = Destination(branch, RlpWriter.LengthOfList(payload), queue, out int offset);
        int o = RlpWriter.WriteListHeader(destination, payload);
        int height = 0;
        for (int i = 0; i < 16; i++)
        {
            if ((stale & (1 << i)) == 0)
            {
                // A run of unchanged children: one copy from the old RLP.
                int end = i + 1;
                while (end < 16 && (stale & (1 << end)) == 0) end++;
                var run = old.AsSpan(oldItems[i], oldItems[end] - oldItems[i]);
                run.CopyTo(destination[o..]);
                o += run.Length;
                i = end - 1;
            }
            else if (children[i] is not { } child) destination[o++] = RlpWriter.EmptyString;
            else o += WriteChild(destination, o, offset, child, handles[i], queue, ref height);
        }
        if (branch.Value is null) destination[o] = RlpWriter.EmptyString;
        else RlpWriter.WriteString(destination[o..], branch.Value);
        int handle = Done(branch, destination.Length, offset, height, queue, depth);
        if (offset < 0) branch.KeepRlp(destination); // inlined in its parent: final already
        return handle;
    }

    /// <summary>
    /// Where each of the sixteen child items of a branch's RLP starts (and, at index 16, where the
    /// value item starts). A child item is the empty string, a 32-byte hash or an embedded node (a
    /// list under 32 bytes), so its first byte gives its length.
    /// </summary>
    internal static void ChildItemOffsets(ReadOnlySpan<byte> rlp, Span<int> offsets)
    {
        int o = rlp[0] <= 0xf7 ? 1 : 1 + (rlp[0] - 0xf7); // the list header
        for (int i = 0; i < 16; i++)
        {
            offsets[i] = o;
            byte b = rlp[o];
            o += b >= 0xc0 ? 1 + (b - 0xc0) : 1 + (b - RlpWriter.EmptyString);
        }
        offsets[16] = o;
    }

    /// <summary>
    /// Where a node's RLP goes: its own reference when shorter than 32 bytes (such a node has no
    /// pending child, each of which would take 33 bytes), else the queue's buffer. Reserving space may
    /// flush the queue, which makes pending children final; their length stays 33 bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<byte> Destination(TrieNode node, int length, TrieHashQueue queue, out int offset)
    {
        if (length < NodeReference.HashLength)
        {
            offset = -1;
            return ReferenceSpan(node)[..length];
        }
        return queue.Reserve(length, out offset);
    }

    /// <summary>
    /// A node's RLP is written: final when embedded (<paramref name="offset"/> &lt; 0), else queued for
    /// its hash. A stored node now embedded (other than a root) has no record of its own any more.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Done(TrieNode node, int length, int offset, int height, TrieHashQueue queue, int depth)
    {
        if (offset < 0)
        {
            node.Reference.Length = (byte)length;
            node.Generation = queue.Generation;
            if (node.Stored && depth > 0)
            {
                node.Stored = false;
                queue.LogRemoval(depth);
            }
            return -1;
        }
        return queue.Add(node, offset, length, height, depth);
    }

    /// <summary>
    /// Writes a child's reference at <paramref name="o"/>: its final reference, or for a child still
    /// pending in the queue the 0xa0 prefix and a hole the queue fills with the child's hash.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteChild(Span<byte> destination, int o, int offset, TrieNode child, int handle, TrieHashQueue queue, ref int height)
    {
        if (!child.IsDirty) return WriteReference(destination[o..], child);
        destination[o] = 0x80 + NodeReference.HashLength;
        queue.SetHole(handle, offset + o + 1);
        height = Math.Max(height, queue.HeightOf(handle) + 1);
        return NodeReference.HashLength + 1;
    }

    /// <summary>
    /// Starts loading the stale children (and what the walk reads next from dirty ones) before any is
    /// visited: nodes of a large trie are scattered in memory, and the misses then overlap.
    /// </summary>
    private static void PrefetchChildren(ReadOnlySpan<TrieNode?> children, int stale)
    {
        if (!Prefetch.IsSupported) return;
        for (int i = 0; i < children.Length; i++)
        {
            if ((stale & (1 << i)) != 0) Prefetch.Object(children[i]);
        }
        // One level further for the dirty children, which the walk visits next: their misses overlap
        // with each other instead of following one another down the walk.
        for (int i = 0; i < children.Length; i++)
        {
            if ((stale & (1 << i)) == 0) continue;
            switch (children[i])
            {
                case LeafNode { IsDirty: true } leaf:
                    Prefetch.Object(leaf.Key);
                    Prefetch.Object(leaf.Value);
                    break;
                case BranchNode { IsDirty: true } branch:
                    // Its children are inline and span the next cache lines; then its kept RLP.
                    Prefetch.BranchTail(branch);
                    Prefetch.Object(branch.Rlp);
                    break;
                case ExtensionNode { IsDirty: true } ext:
                    Prefetch.Object(ext.Child);
                    break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<byte> ReferenceSpan(TrieNode node) => node.Reference.Bytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int PathItemLength(int nibbleCount)
    {
        int hp = Nibbles.HexPrefixLength(nibbleCount);
        return hp == 1 ? 1 : RlpWriter.HeaderLength(hp) + hp; // the flag byte is always below 0x80
    }

    internal static int WritePathItem(Span<byte> destination, ReadOnlySpan<byte> key, int start, int nibbleCount, bool isLeaf)
    {
        int hp = Nibbles.HexPrefixLength(nibbleCount);
        int offset = hp == 1 ? 0 : RlpWriter.WriteStringHeader(destination, hp);
        return offset + Nibbles.WriteHexPrefix(destination[offset..], key, start, nibbleCount, isLeaf);
    }

    /// <summary>The RLP length of a leaf of <paramref name="nibbles"/> path nibbles holding <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int LeafLength(int nibbles, ReadOnlySpan<byte> value) => RlpWriter.LengthOfList(LeafPayload(nibbles, value));

    // A leaf's list payload: its path item and its value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LeafPayload(int nibbles, ReadOnlySpan<byte> value) => PathItemLength(nibbles) + RlpWriter.LengthOf(value);

    /// <summary>Writes the leaf of <paramref name="key"/> below nibble <paramref name="depth"/> holding <paramref name="value"/> (<see cref="LeafLength"/> bytes).</summary>
    internal static int WriteLeaf(Span<byte> destination, ReadOnlySpan<byte> key, int depth, ReadOnlySpan<byte> value)
    {
        int nibbles = key.Length * 2 - depth;
        int o = RlpWriter.WriteListHeader(destination, LeafPayload(nibbles, value));
        o += WritePathItem(destination[o..], key, depth, nibbles, isLeaf: true);
        return o + RlpWriter.WriteString(destination[o..], value);
    }

    /// <summary>Writes a clean child's reference as its parent embeds it: 0xa0 and the hash, or the short node itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int WriteReference(Span<byte> destination, TrieNode child)
    {
        ReadOnlySpan<byte> reference = ReferenceSpan(child)[..child.Reference.Length];
        if (child.Reference.IsHash)
        {
            destination[0] = 0x80 + NodeReference.HashLength;
            reference.CopyTo(destination[1..]);
            return NodeReference.HashLength + 1;
        }
        reference.CopyTo(destination); // a node shorter than 32 bytes is embedded as is
        return reference.Length;
    }

    /// <summary>Collects the RLP lengths of nodes referenced by hash (and of the root); see <see cref="MerklePatriciaTrie.HashedNodeLengths"/>.</summary>
    public static void CollectHashedLengths(TrieNode node, int depth, List<int> lengths, bool isRoot, bool dirtyOnly, int generation)
    {
        if (dirtyOnly && !node.IsDirty) return;
        if (!dirtyOnly)
        {
            long ignored = 0;
            Compute(node, depth, ref ignored, generation);
        }
        int length;
        switch (node)
        {
            case LeafNode leaf:
                length = LeafLength(leaf.Key.Length * 2 - depth, leaf.Value);
                break;
            case ExtensionNode ext:
                CollectHashedLengths(ext.Child, depth + ext.Length, lengths, isRoot: false, dirtyOnly, generation);
                length = RlpWriter.LengthOfList(PathItemLength(ext.Length) + ReferenceLength(ext.Child));
                break;
            case BranchNode branch:
                int payload = branch.Value is null ? 1 : RlpWriter.LengthOf(branch.Value);
                foreach (var child in branch.Children)
                {
                    if (child is null)
                    {
                        payload++;
                        continue;
                    }
                    CollectHashedLengths(child, depth + 1, lengths, isRoot: false, dirtyOnly, generation);
                    payload += ReferenceLength(child);
                }
                length = RlpWriter.LengthOfList(payload);
                break;
            default:
                return;
        }
        if (isRoot || length >= NodeReference.HashLength) lengths.Add(length);
    }

    /// <summary>
    /// The bytes <paramref name="child"/>'s reference takes in its parent's RLP: a child whose hash is
    /// pending (dirty) takes 33, as it will once hashed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReferenceLength(TrieNode child) =>
        child.IsDirty ? NodeReference.HashLength + 1 : child.Reference.EncodedLength;
}
