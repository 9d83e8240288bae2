using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Node export for a node database: the nodes a root computation (re)hashed, and all nodes of the
/// tries. Encoding reads the references <see cref="TrieHasher"/> cached on the nodes, so it re-hashes
/// nothing (only a root whose RLP is shorter than 32 bytes is hashed here).
/// </summary>
public sealed partial class StateTrie
{
    /// <summary>
    /// Like <see cref="ComputeRoot(int)"/>, and appends to <paramref name="newNodes"/> every storage-trie
    /// and account-trie node this computation hashed (nodes on the paths of the touched accounts and
    /// slots; a node that did not change may be listed again, which a content-addressed store ignores).
    /// </summary>
    public Hash256 ComputeRoot(int degreeOfParallelism, ICollection<TrieNodeRecord> newNodes)
    {
        ArgumentNullException.ThrowIfNull(newNodes);
        if (_dirty.Count == 0) return ComputeRoot(degreeOfParallelism);

        // Storage tries were changed by Apply: their dirty nodes are known now, before hashing.
        var dirtyStorage = new List<(TrieNode Node, int Depth, bool IsRoot)>();
        var paths = new List<byte[]>(_dirty.Count);
        long hashes = 0;
        foreach (var account in _dirty)
        {
            account.ComputePath(ref hashes);
            paths.Add(account.Path!);
            if (account.StorageDirty && account.Storage?.Root is { } storageRoot) CollectDirty(storageRoot, 0, isRoot: true, dirtyStorage);
        }
        _otherHashes += hashes;

        // The account trie is changed inside ComputeRoot; afterwards its changed nodes are those on
        // the touched accounts' paths.
        var root = ComputeRoot(degreeOfParallelism);

        foreach (var (node, depth, isRoot) in dirtyStorage) Emit(node, depth, isRoot, newNodes);
        if (_accounts.Root is { } accountRoot)
        {
            paths.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
            EmitPaths(accountRoot, 0, isRoot: true, paths, 0, paths.Count, newNodes);
        }
        return root;
    }

    /// <summary>
    /// Every node of every storage trie and of the account trie, streamed (after
    /// <see cref="ComputeRoot(int)"/>; throws when changes are pending). Do not change the trie while enumerating.
    /// </summary>
    public IEnumerable<TrieNodeRecord> ExportAllNodes()
    {
        if (_dirty.Count != 0) throw new InvalidOperationException("the trie has changes whose root was not computed yet");
        return ExportAll();
    }

    private IEnumerable<TrieNodeRecord> ExportAll()
    {
        var buffer = new List<TrieNodeRecord>();
        var stack = new Stack<(TrieNode Node, int Depth, bool IsRoot)>();
        foreach (var account in _byAddress.Values)
        {
            if (account.Storage?.Root is { } storageRoot) stack.Push((storageRoot, 0, true));
            while (stack.Count > 0) foreach (var record in Drain(stack, buffer)) yield return record;
        }
        if (_accounts.Root is { } root) stack.Push((root, 0, true));
        while (stack.Count > 0) foreach (var record in Drain(stack, buffer)) yield return record;
    }

    /// <summary>Pops one node, emits it (into <paramref name="buffer"/>) and pushes its children.</summary>
    private static List<TrieNodeRecord> Drain(Stack<(TrieNode Node, int Depth, bool IsRoot)> stack, List<TrieNodeRecord> buffer)
    {
        buffer.Clear();
        var (node, depth, isRoot) = stack.Pop();
        Emit(node, depth, isRoot, buffer);
        switch (node)
        {
            case ExtensionNode ext:
                stack.Push((ext.Child, depth + ext.Length, false));
                break;
            case BranchNode branch:
                foreach (var child in branch.Children)
                {
                    if (child is not null) stack.Push((child, depth + 1, false));
                }
                break;
        }
        return buffer;
    }

    private static void CollectDirty(TrieNode node, int depth, bool isRoot, List<(TrieNode, int, bool)> dirty)
    {
        if (!node.IsDirty) return;
        dirty.Add((node, depth, isRoot));
        switch (node)
        {
            case ExtensionNode ext:
                CollectDirty(ext.Child, depth + ext.Length, isRoot: false, dirty);
                break;
            case BranchNode branch:
                foreach (var child in branch.Children)
                {
                    if (child is not null) CollectDirty(child, depth + 1, isRoot: false, dirty);
                }
                break;
        }
    }

    /// <summary>Emits the nodes on the paths <paramref name="paths"/>[lo, hi) (sorted) below <paramref name="node"/>.</summary>
    private static void EmitPaths(TrieNode node, int depth, bool isRoot, List<byte[]> paths, int lo, int hi, ICollection<TrieNodeRecord> sink)
    {
        Emit(node, depth, isRoot, sink);
        switch (node)
        {
            case ExtensionNode ext:
            {
                // Keep only the paths that run through the extension (a deleted account's path may not).
                int a = lo;
                while (a < hi && Nibbles.CommonPrefix(ext.KeySource, paths[a], depth, ext.Length) != ext.Length) a++;
                if (a == hi) return;
                int b = a;
                while (b < hi && Nibbles.CommonPrefix(ext.KeySource, paths[b], depth, ext.Length) == ext.Length) b++;
                EmitPaths(ext.Child, depth + ext.Length, isRoot: false, paths, a, b, sink);
                break;
            }
            case BranchNode branch:
            {
                int i = lo;
                while (i < hi)
                {
                    int nibble = Nibbles.At(paths[i], depth);
                    int j = i + 1;
                    while (j < hi && Nibbles.At(paths[j], depth) == nibble) j++;
                    if (branch.Children[nibble] is { } child) EmitPaths(child, depth + 1, isRoot: false, paths, i, j, sink);
                    i = j;
                }
                break;
            }
        }
    }

    private static void Emit(TrieNode node, int depth, bool isRoot, ICollection<TrieNodeRecord> sink)
    {
        if (!node.Reference.IsComputed) throw new InvalidOperationException("trie node exported before its hash was computed");
        if (!node.Reference.IsHash && !isRoot) return; // embedded in its parent
        var rlp = Encode(node, depth);
        var hash = node.Reference.IsHash ? new Hash256(node.Reference.Bytes) : Keccak256.Compute(rlp);
        sink.Add(new TrieNodeRecord(hash, rlp));
    }

    /// <summary>The RLP of a node whose children's references are current.</summary>
    internal static byte[] Encode(TrieNode node, int depth)
    {
        switch (node)
        {
            case LeafNode leaf:
            {
                int pathNibbles = leaf.Key.Length * 2 - depth;
                int payload = PathItemLength(pathNibbles) + RlpWriter.LengthOf(leaf.Value);
                var rlp = new byte[RlpWriter.LengthOfList(payload)];
                int o = RlpWriter.WriteListHeader(rlp, payload);
                o += WritePathItem(rlp.AsSpan(o), leaf.Key, depth, pathNibbles, isLeaf: true);
                RlpWriter.WriteString(rlp.AsSpan(o), leaf.Value);
                return rlp;
            }
            case ExtensionNode ext:
            {
                int payload = PathItemLength(ext.Length) + ext.Child.Reference.EncodedLength;
                var rlp = new byte[RlpWriter.LengthOfList(payload)];
                int o = RlpWriter.WriteListHeader(rlp, payload);
                o += WritePathItem(rlp.AsSpan(o), ext.KeySource, depth, ext.Length, isLeaf: false);
                WriteReference(rlp.AsSpan(o), ext.Child);
                return rlp;
            }
            case BranchNode branch:
            {
                int payload = branch.Value is null ? 1 : RlpWriter.LengthOf(branch.Value);
                foreach (var child in branch.Children) payload += child is null ? 1 : child.Reference.EncodedLength;
                var rlp = new byte[RlpWriter.LengthOfList(payload)];
                int o = RlpWriter.WriteListHeader(rlp, payload);
                foreach (var child in branch.Children)
                {
                    if (child is null) rlp[o++] = 0x80;
                    else o += WriteReference(rlp.AsSpan(o), child);
                }
                if (branch.Value is null) rlp[o] = 0x80;
                else RlpWriter.WriteString(rlp.AsSpan(o), branch.Value);
                return rlp;
            }
            default:
                throw new InvalidOperationException("unknown node type");
        }
    }

    private static int PathItemLength(int nibbleCount)
    {
        int hp = Nibbles.HexPrefixLength(nibbleCount);
        return hp == 1 ? 1 : RlpWriter.HeaderLength(hp) + hp;
    }

    private static int WritePathItem(Span<byte> destination, ReadOnlySpan<byte> key, int start, int nibbleCount, bool isLeaf)
    {
        int hp = Nibbles.HexPrefixLength(nibbleCount);
        int offset = hp == 1 ? 0 : RlpWriter.WriteStringHeader(destination, hp);
        return offset + Nibbles.WriteHexPrefix(destination[offset..], key, start, nibbleCount, isLeaf);
    }

    private static int WriteReference(Span<byte> destination, TrieNode child)
    {
        ReadOnlySpan<byte> reference = child.Reference.Bytes;
        reference = reference[..child.Reference.Length];
        if (child.Reference.IsHash)
        {
            destination[0] = 0x80 + NodeReference.HashLength;
            reference.CopyTo(destination[1..]);
            return NodeReference.HashLength + 1;
        }
        reference.CopyTo(destination);
        return reference.Length;
    }
}
