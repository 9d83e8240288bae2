using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Node export for a node database: all nodes of the tries (the nodes a root computation hashed come
/// from the hashing itself, see <see cref="ComputeRoot(int, TrieNodeSet)"/>). Encoding reads the
/// references <see cref="TrieHasher"/> cached on the nodes, so it re-hashes nothing (only a root whose
/// RLP is shorter than 32 bytes is hashed here). Nodes are encoded straight into a
/// <see cref="TrieNodeSet"/>'s chunks: no array per node.
/// </summary>
public sealed partial class StateTrie
{
    /// <summary>
    /// The node export as it was before the hashing handed the nodes over (the dirty nodes collected
    /// before hashing, encoded again after it), kept as the reference that tests compare
    /// <see cref="ComputeRoot(int, TrieNodeSet)"/> with: the same root, the same nodes.
    /// </summary>
    internal Hash256 ComputeRootExportingByWalk(int degreeOfParallelism, TrieNodeSet newNodes)
    {
        if (_dirty.Count == 0) return ComputeRoot(degreeOfParallelism);
        NextGeneration();
        var dirty = new List<(TrieNode Node, int Depth, bool IsRoot)>();
        foreach (var account in _dirty)
        {
            if (account.StorageDirty && account.Storage?.Root is { } storageRoot) CollectDirty(storageRoot, 0, isRoot: true, dirty);
        }
        HashStorageTries(degreeOfParallelism);
        UpdateAccountTrie(degreeOfParallelism, hashSubtries: false); // its dirty nodes are collected first
        if (_accounts.Root is { } accountRoot) CollectDirty(accountRoot, 0, isRoot: true, dirty);
        _root = _accounts.ComputeRoot(degreeOfParallelism);
        foreach (var (node, depth, isRoot) in dirty) Emit(node, depth, isRoot, newNodes);
        return _root;
    }

    /// <summary>
    /// Every node in memory of every storage trie and of the account trie (a trie opened from a node
    /// source skips the nodes not loaded: they are in that source), streamed (after
    /// <see cref="ComputeRoot(int)"/>; throws when changes are pending). A record's bytes are valid
    /// until the enumeration moves on. Do not change the trie while enumerating.
    /// </summary>
    public IEnumerable<TrieNodeRecord> ExportAllNodes()
    {
        if (_dirty.Count != 0) throw new InvalidOperationException("the trie has changes whose root was not computed yet");
        return ExportAll();
    }

    private IEnumerable<TrieNodeRecord> ExportAll()
    {
        var buffer = new TrieNodeSet(16);
        var stack = new Stack<(TrieNode Node, int Depth, bool IsRoot)>();
        foreach (var account in _byAddress.Accounts())
        {
            if (account.Storage?.Root is { } storageRoot) stack.Push((storageRoot, 0, true));
            while (stack.Count > 0) foreach (var record in Drain(stack, buffer)) yield return record;
        }
        if (_accounts.Root is { } root) stack.Push((root, 0, true));
        while (stack.Count > 0) foreach (var record in Drain(stack, buffer)) yield return record;
    }

    /// <summary>Pops one node, emits it (into <paramref name="buffer"/>, cleared first) and pushes its children.</summary>
    private static TrieNodeSet Drain(Stack<(TrieNode Node, int Depth, bool IsRoot)> stack, TrieNodeSet buffer)
    {
        buffer.Clear();
        var (node, depth, isRoot) = stack.Pop();
        if (node is UnresolvedNode) return buffer; // not in memory: in the node store already
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
                // Only a stale child can be dirty: the others are not even read.
                var children = branch.Children;
                int stale = branch.StaleChildren;
                for (int i = 0; i < 16; i++)
                {
                    if ((stale & (1 << i)) != 0 && children[i] is { } child) CollectDirty(child, depth + 1, isRoot: false, dirty);
                }
                break;
        }
    }

    private static void Emit(TrieNode node, int depth, bool isRoot, TrieNodeSet sink)
    {
        if (!node.Reference.IsComputed) throw new InvalidOperationException("trie node exported before its hash was computed");
        if (!node.Reference.IsHash && !isRoot) return; // embedded in its parent
        // A hashed branch that kept its RLP is copied from it: nothing to encode, no child to read.
        var kept = (node as BranchNode)?.Rlp;
        int length = kept?.Length ?? EncodedLength(node, depth);
        var rlp = sink.Reserve(length);
        if (kept is not null) kept.CopyTo(rlp);
        else Encode(node, depth, rlp);
        var hash = node.Reference.IsHash ? new Hash256(node.Reference.Bytes) : Keccak256.Compute(rlp);
        sink.Append(hash, length);
    }

    /// <summary>The length of a node's RLP (its children's references must be current).</summary>
    internal static int EncodedLength(TrieNode node, int depth) => node switch
    {
        LeafNode leaf => RlpWriter.LengthOfList(TrieHasher.LeafPayload(leaf, depth)),
        ExtensionNode ext => RlpWriter.LengthOfList(ExtensionPayload(ext)),
        BranchNode branch => RlpWriter.LengthOfList(BranchPayload(branch)),
        _ => throw new InvalidOperationException("unknown node type"),
    };

    /// <summary>Writes the RLP of a node whose children's references are current; <paramref name="rlp"/> is exactly <see cref="EncodedLength"/> long.</summary>
    internal static void Encode(TrieNode node, int depth, Span<byte> rlp)
    {
        switch (node)
        {
            case LeafNode leaf:
            {
                int pathNibbles = leaf.Key.Length * 2 - depth;
                int o = RlpWriter.WriteListHeader(rlp, TrieHasher.LeafPayload(leaf, depth));
                o += TrieHasher.WritePathItem(rlp[o..], leaf.Key, depth, pathNibbles, isLeaf: true);
                RlpWriter.WriteString(rlp[o..], leaf.Value);
                return;
            }
            case ExtensionNode ext:
            {
                int o = RlpWriter.WriteListHeader(rlp, ExtensionPayload(ext));
                o += TrieHasher.WritePathItem(rlp[o..], ext.KeySource, depth, ext.Length, isLeaf: false);
                TrieHasher.WriteReference(rlp[o..], ext.Child);
                return;
            }
            case BranchNode branch:
            {
                int o = RlpWriter.WriteListHeader(rlp, BranchPayload(branch));
                foreach (var child in branch.Children)
                {
                    if (child is null) rlp[o++] = 0x80;
                    else o += TrieHasher.WriteReference(rlp[o..], child);
                }
                if (branch.Value is null) rlp[o] = 0x80;
                else RlpWriter.WriteString(rlp[o..], branch.Value);
                return;
            }
            default:
                throw new InvalidOperationException("unknown node type");
        }
    }

    private static int ExtensionPayload(ExtensionNode ext) => TrieHasher.PathItemLength(ext.Length) + ext.Child.Reference.EncodedLength;

    private static int BranchPayload(BranchNode branch)
    {
        int payload = branch.Value is null ? 1 : RlpWriter.LengthOf(branch.Value);
        foreach (var child in branch.Children) payload += child is null ? 1 : child.Reference.EncodedLength;
        return payload;
    }
}
