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
        var dirty = new List<(TrieNode Node, byte[] Path, bool IsRoot, byte[] Owner)>();
        foreach (var account in _dirty)
        {
            if (account.StorageDirty && account.Storage?.Root is { } storageRoot) CollectDirty(storageRoot, [], isRoot: true, account.Path!, dirty);
        }
        HashStorageTries(degreeOfParallelism);
        UpdateAccountTrie(degreeOfParallelism, hashSubtries: false); // its dirty nodes are collected first
        if (_accounts.Root is { } accountRoot) CollectDirty(accountRoot, [], isRoot: true, [], dirty);
        _root = _accounts.ComputeRoot(degreeOfParallelism);
        foreach (var (node, path, isRoot, owner) in dirty) Emit(node, path, isRoot, owner, newNodes);
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
        var walk = new NodeWalk();
        foreach (var account in _byAddress.Accounts())
        {
            if (account.Storage?.Root is not { } storageRoot) continue;
            walk.Start(storageRoot, account.Path!);
            while (walk.Next(buffer)) foreach (var record in buffer) yield return record;
        }
        if (_accounts.Root is not { } root) yield break;
        walk.Start(root, []);
        while (walk.Next(buffer)) foreach (var record in buffer) yield return record;
    }

    /// <summary>
    /// A depth-first walk over the nodes in memory of one trie, emitting one node per step. The path
    /// buffer holds the nibbles down to the node popped: a branch child's nibble is written when it is
    /// popped (the nodes popped in between, its elder siblings' subtrees, write only from that depth
    /// on), an extension's run when its child is pushed (that child is popped next).
    /// </summary>
    private sealed class NodeWalk
    {
        private readonly Stack<(TrieNode Node, int Depth, int Nibble)> _stack = new();
        private byte[] _path = new byte[64];
        private byte[] _owner = [];

        public void Start(TrieNode root, byte[] owner)
        {
            _stack.Clear();
            _stack.Push((root, 0, -1));
            _owner = owner;
        }

        /// <summary>Pops one node and emits it into <paramref name="buffer"/> (cleared first); false when the walk is done.</summary>
        public bool Next(TrieNodeSet buffer)
        {
            buffer.Clear();
            if (_stack.Count == 0) return false;
            var (node, depth, nibble) = _stack.Pop();
            if (nibble >= 0) _path[depth - 1] = (byte)nibble;
            if (node is UnresolvedNode) return true; // not in memory: in the node store already
            Emit(node, _path.AsSpan(0, depth), isRoot: depth == 0, _owner, buffer);
            switch (node)
            {
                case ExtensionNode ext:
                    int end = depth + ext.Length;
                    if (_path.Length <= end) Array.Resize(ref _path, Math.Max(2 * _path.Length, end + 1));
                    for (int i = depth; i < end; i++) _path[i] = (byte)Nibbles.At(ext.KeySource, i);
                    _stack.Push((ext.Child, end, -1));
                    break;
                case BranchNode branch:
                    if (_path.Length <= depth) Array.Resize(ref _path, 2 * _path.Length);
                    for (int i = 15; i >= 0; i--)
                    {
                        if (branch.Children[i] is { } child) _stack.Push((child, depth + 1, i));
                    }
                    break;
            }
            return true;
        }
    }

    private static void CollectDirty(TrieNode node, byte[] path, bool isRoot, byte[] owner, List<(TrieNode, byte[], bool, byte[])> dirty)
    {
        if (!node.IsDirty) return;
        dirty.Add((node, path, isRoot, owner));
        switch (node)
        {
            case ExtensionNode ext:
                var extended = new byte[path.Length + ext.Length];
                path.CopyTo(extended, 0);
                for (int i = path.Length; i < extended.Length; i++) extended[i] = (byte)Nibbles.At(ext.KeySource, i);
                CollectDirty(ext.Child, extended, isRoot: false, owner, dirty);
                break;
            case BranchNode branch:
                // Only a stale child can be dirty: the others are not even read.
                var children = branch.Children;
                int stale = branch.StaleChildren;
                for (int i = 0; i < 16; i++)
                {
                    if ((stale & (1 << i)) != 0 && children[i] is { } child) CollectDirty(child, [.. path, (byte)i], isRoot: false, owner, dirty);
                }
                break;
        }
    }

    /// <summary>Appends <paramref name="node"/> (at <paramref name="path"/> of the trie of <paramref name="owner"/>) to <paramref name="sink"/> unless it is embedded.</summary>
    private static void Emit(TrieNode node, ReadOnlySpan<byte> path, bool isRoot, ReadOnlySpan<byte> owner, TrieNodeSet sink)
    {
        if (!node.Reference.IsComputed) throw new InvalidOperationException("trie node exported before its hash was computed");
        if (!node.Reference.IsHash && !isRoot) return; // embedded in its parent
        // A hashed branch that kept its RLP is copied from it: nothing to encode, no child to read.
        int depth = path.Length;
        var kept = (node as BranchNode)?.Rlp;
        int length = kept?.Length ?? EncodedLength(node, depth);
        var rlp = sink.Reserve(length, owner, path);
        if (kept is not null) kept.CopyTo(rlp);
        else Encode(node, depth, rlp);
        var hash = node.Reference.IsHash ? new Hash256(node.Reference.Bytes) : Keccak256.Compute(rlp);
        sink.Append(hash, length);
    }

    /// <summary>The length of a node's RLP (its children's references must be current).</summary>
    internal static int EncodedLength(TrieNode node, int depth) => node switch
    {
        LeafNode leaf => TrieHasher.LeafLength(leaf.Key.Length * 2 - depth, leaf.Value),
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
                TrieHasher.WriteLeaf(rlp, leaf.Key, depth, leaf.Value);
                return;
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
                // A branch with a child in UnresolvedNode.InParent always keeps its RLP, which is copied instead.
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
