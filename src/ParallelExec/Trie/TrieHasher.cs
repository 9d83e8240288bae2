using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Computes node references bottom-up: each dirty node is RLP-encoded into a stack buffer and hashed
/// straight into its cached reference (no allocation); clean subtrees are skipped. The parallel form
/// hashes the dirty subtrees below the top branch levels on several threads, then finishes the top
/// single-threaded, so its result is identical to the serial one.
/// </summary>
internal static class TrieHasher
{
    private const int StackBufferSize = 1024;

    /// <summary>Branch levels above the subtrees handed to worker threads (2 → up to 256 subtrees).</summary>
    private const int ParallelBranchLevels = 2;

    public static Hash256 ComputeRoot(TrieNode? root, int degreeOfParallelism, ref long hashes)
    {
        if (root is null) return MerklePatriciaTrie.EmptyRoot;
        if (degreeOfParallelism > 1 && root.IsDirty) ComputeSubtreesInParallel(root, degreeOfParallelism, ref hashes);
        Compute(root, 0, ref hashes);
        if (root.Reference.IsHash) return new Hash256(ReferenceSpan(root));
        // The root is always hashed, even when its RLP is shorter than 32 bytes.
        hashes++;
        return Keccak256.Compute(ReferenceSpan(root)[..root.Reference.Length]);
    }

    private static void ComputeSubtreesInParallel(TrieNode root, int degreeOfParallelism, ref long hashes)
    {
        var work = new List<(TrieNode Node, int Depth)>();
        CollectDirtySubtrees(root, 0, ParallelBranchLevels, work);
        if (work.Count < 2) return;
        long total = 0;
        Parallel.For(
            0,
            work.Count,
            new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism },
            () => 0L,
            (i, _, local) =>
            {
                var (node, depth) = work[i];
                Compute(node, depth, ref local);
                return local;
            },
            local => Interlocked.Add(ref total, local));
        hashes += total;
    }

    private static void CollectDirtySubtrees(TrieNode node, int depth, int branchLevels, List<(TrieNode, int)> work)
    {
        if (!node.IsDirty) return;
        switch (node)
        {
            case ExtensionNode ext:
                CollectDirtySubtrees(ext.Child, depth + ext.Length, branchLevels, work);
                break;
            case BranchNode branch when branchLevels > 0:
                foreach (var child in branch.Children)
                {
                    if (child is not null) CollectDirtySubtrees(child, depth + 1, branchLevels - 1, work);
                }
                break;
            default:
                work.Add((node, depth));
                break;
        }
    }

    /// <summary>Makes <paramref name="node"/>'s reference current, computing dirty descendants first.</summary>
    public static void Compute(TrieNode node, int depth, ref long hashes)
    {
        if (!node.IsDirty) return;
        switch (node)
        {
            case LeafNode leaf:
                EncodeLeaf(leaf, depth, ref hashes);
                break;
            case ExtensionNode ext:
                Compute(ext.Child, depth + ext.Length, ref hashes);
                EncodeExtension(ext, depth, ref hashes);
                break;
            case BranchNode branch:
                var children = branch.Children;
                PrefetchChildren(children);
                for (int i = 0; i < children.Length; i++)
                {
                    var child = children[i];
                    if (child is not null && child.IsDirty) Compute(child, depth + 1, ref hashes);
                }
                EncodeBranch(branch, ref hashes);
                break;
        }
    }

    /// <summary>
    /// Starts loading all children (and the key and value arrays of leaf children) before any is
    /// visited: nodes of a large trie are scattered in memory, and the misses then overlap.
    /// </summary>
    private static unsafe void PrefetchChildren(TrieNode?[] children)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < children.Length; i++)
        {
            var child = children[i];
            if (child is not null) Sse.Prefetch0((void*)Unsafe.As<TrieNode, nint>(ref child));
        }
        for (int i = 0; i < children.Length; i++)
        {
            if (children[i] is LeafNode { IsDirty: true } leaf)
            {
                var key = leaf.Key;
                var value = leaf.Value;
                Sse.Prefetch0((void*)Unsafe.As<byte[], nint>(ref key));
                Sse.Prefetch0((void*)Unsafe.As<byte[], nint>(ref value));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<byte> ReferenceSpan(TrieNode node) => node.Reference.Bytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PathItemLength(int nibbleCount)
    {
        int hp = Nibbles.HexPrefixLength(nibbleCount);
        return hp == 1 ? 1 : RlpWriter.HeaderLength(hp) + hp; // the flag byte is always below 0x80
    }

    private static int WritePathItem(Span<byte> destination, ReadOnlySpan<byte> key, int start, int nibbleCount, bool isLeaf)
    {
        int hp = Nibbles.HexPrefixLength(nibbleCount);
        int offset = hp == 1 ? 0 : RlpWriter.WriteStringHeader(destination, hp);
        return offset + Nibbles.WriteHexPrefix(destination[offset..], key, start, nibbleCount, isLeaf);
    }

    private static int LeafLength(LeafNode leaf, int depth) =>
        RlpWriter.LengthOfList(PathItemLength(leaf.Key.Length * 2 - depth) + RlpWriter.LengthOf(leaf.Value));

    [SkipLocalsInit]
    private static void EncodeLeaf(LeafNode leaf, int depth, ref long hashes)
    {
        int pathNibbles = leaf.Key.Length * 2 - depth;
        int payload = PathItemLength(pathNibbles) + RlpWriter.LengthOf(leaf.Value);
        int total = RlpWriter.LengthOfList(payload);
        byte[]? rented = null;
        Span<byte> buffer = total <= StackBufferSize ? stackalloc byte[StackBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(total));
        int o = RlpWriter.WriteListHeader(buffer, payload);
        o += WritePathItem(buffer[o..], leaf.Key, depth, pathNibbles, isLeaf: true);
        o += RlpWriter.WriteString(buffer[o..], leaf.Value);
        Finish(leaf, buffer[..o], ref hashes);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    [SkipLocalsInit]
    private static void EncodeExtension(ExtensionNode ext, int depth, ref long hashes)
    {
        int payload = PathItemLength(ext.Length) + ext.Child.Reference.EncodedLength;
        int total = RlpWriter.LengthOfList(payload);
        byte[]? rented = null;
        Span<byte> buffer = total <= StackBufferSize ? stackalloc byte[StackBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(total));
        int o = RlpWriter.WriteListHeader(buffer, payload);
        o += WritePathItem(buffer[o..], ext.KeySource, depth, ext.Length, isLeaf: false);
        o += WriteReference(buffer[o..], ext.Child);
        Finish(ext, buffer[..o], ref hashes);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    private static int BranchPayloadLength(BranchNode branch)
    {
        int payload = branch.Value is null ? 1 : RlpWriter.LengthOf(branch.Value);
        foreach (var child in branch.Children) payload += child is null ? 1 : child.Reference.EncodedLength;
        return payload;
    }

    [SkipLocalsInit]
    private static void EncodeBranch(BranchNode branch, ref long hashes)
    {
        int payload = BranchPayloadLength(branch);
        int total = RlpWriter.LengthOfList(payload);
        byte[]? rented = null;
        Span<byte> buffer = total <= StackBufferSize ? stackalloc byte[StackBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(total));
        int o = RlpWriter.WriteListHeader(buffer, payload);
        var children = branch.Children;
        for (int i = 0; i < children.Length; i++)
        {
            var child = children[i];
            if (child is null) buffer[o++] = RlpWriter.EmptyString;
            else o += WriteReference(buffer[o..], child);
        }
        if (branch.Value is null) buffer[o++] = RlpWriter.EmptyString;
        else o += RlpWriter.WriteString(buffer[o..], branch.Value);
        Finish(branch, buffer[..o], ref hashes);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteReference(Span<byte> destination, TrieNode child)
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(TrieNode node, ReadOnlySpan<byte> rlp, ref long hashes)
    {
        var target = ReferenceSpan(node);
        if (rlp.Length >= NodeReference.HashLength)
        {
            Keccak256.Compute(rlp, target);
            hashes++;
            node.Reference.Length = NodeReference.HashLength;
        }
        else
        {
            rlp.CopyTo(target);
            node.Reference.Length = (byte)rlp.Length;
        }
    }

    /// <summary>Collects the RLP lengths of nodes referenced by hash (and of the root); see <see cref="MerklePatriciaTrie.HashedNodeLengths"/>.</summary>
    public static void CollectHashedLengths(TrieNode node, int depth, List<int> lengths, bool isRoot, bool dirtyOnly)
    {
        if (dirtyOnly && !node.IsDirty) return;
        if (!dirtyOnly)
        {
            long ignored = 0;
            Compute(node, depth, ref ignored);
        }
        int length;
        switch (node)
        {
            case LeafNode leaf:
                length = LeafLength(leaf, depth);
                break;
            case ExtensionNode ext:
                CollectHashedLengths(ext.Child, depth + ext.Length, lengths, isRoot: false, dirtyOnly);
                length = RlpWriter.LengthOfList(PathItemLength(ext.Length) + ReferenceLengthForCount(ext.Child));
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
                    CollectHashedLengths(child, depth + 1, lengths, isRoot: false, dirtyOnly);
                    payload += ReferenceLengthForCount(child);
                }
                length = RlpWriter.LengthOfList(payload);
                break;
            default:
                return;
        }
        if (isRoot || length >= NodeReference.HashLength) lengths.Add(length);
    }

    private static int ReferenceLengthForCount(TrieNode child) =>
        child.IsDirty ? NodeReference.HashLength + 1 : child.Reference.EncodedLength;
}
