using System.Collections.Concurrent;
using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// Node sources for the lazy-trie tests: nodes keyed by (owner, path), as the path-keyed store keeps
/// them, or by hash. Both count their reads, and can be told to lose a node or return wrong bytes.
/// </summary>
internal sealed class TrieNodeStore(bool byPath) : ITrieNodeSource
{
    private readonly ConcurrentDictionary<string, byte[]> _nodes = new();
    private long _reads, _accountTrieReads;

    public bool ByPath => byPath;
    public long Reads => Interlocked.Read(ref _reads);
    public long AccountTrieReads => Interlocked.Read(ref _accountTrieReads);
    public int Count => _nodes.Count;

    /// <summary>Called with (owner, path) on each read: returns replacement bytes (or null to read normally).</summary>
    public Func<byte[], byte[], byte[]?>? Tamper { get; set; }

    public static string PlaceKey(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path) =>
        Convert.ToHexStringLower(owner) + "/" + string.Concat(path.ToArray().Select(n => "0123456789abcdef"[n]));

    private string KeyOf(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash) => byPath ? PlaceKey(owner, path) : hash.ToString();

    public void Put(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, byte[] rlp) => _nodes[KeyOf(owner, path, hash)] = rlp;

    public bool Remove(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash) => _nodes.TryRemove(KeyOf(owner, path, hash), out _);

    /// <summary>The node stored at a place (a by-path store), not counted as a read and not tampered with.</summary>
    public bool TryGetStored(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, out byte[] rlp) => _nodes.TryGetValue(PlaceKey(owner, path), out rlp!);

    /// <summary>Calls of <see cref="TryGetNodes"/> (each node in them is counted in <see cref="Reads"/> too).</summary>
    public long BatchedCalls => Interlocked.Read(ref _batchedCalls);
    private long _batchedCalls;

    public void TryGetNodes(ReadOnlySpan<byte> owner, ReadOnlySpan<byte[]> paths, ReadOnlySpan<Hash256> hashes, Span<byte[]?> rlps)
    {
        Interlocked.Increment(ref _batchedCalls);
        for (int i = 0; i < paths.Length; i++) rlps[i] = TryGetNode(owner, paths[i], hashes[i], out var rlp) ? rlp : null;
    }

    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp)
    {
        Interlocked.Increment(ref _reads);
        if (owner.IsEmpty) Interlocked.Increment(ref _accountTrieReads);
        if (Tamper?.Invoke(owner.ToArray(), path.ToArray()) is { } replaced)
        {
            rlp = replaced;
            return true;
        }
        return _nodes.TryGetValue(KeyOf(owner, path, hash), out rlp!);
    }

    /// <summary>A store holding every node of <paramref name="trie"/> (in memory) at its place, or by hash.</summary>
    public static TrieNodeStore Of(StateTrie trie, bool byPath)
    {
        var store = new TrieNodeStore(byPath);
        foreach (var node in trie.ExportAllNodes()) store.Put(node.Owner.Span, node.Path.Span, node.Hash, node.Rlp.ToArray());
        return store;
    }

    /// <summary>Applies an exported set as a store must: its removals, then its writes.</summary>
    public void Apply(TrieNodeSet set)
    {
        foreach (var r in set) if (r.IsRemoval) Remove(r.Owner.Span, r.Path.Span, default);
        foreach (var r in set) if (!r.IsRemoval) Put(r.Owner.Span, r.Path.Span, r.Hash, r.Rlp.ToArray());
    }

    /// <summary>
    /// Writes every node of <paramref name="trie"/> (hashed) at its place: nodes referenced by hash
    /// and the root. Returns the nodes written (owner, path, hash).
    /// </summary>
    public List<(byte[] Path, Hash256 Hash)> PutAll(MerklePatriciaTrie trie, ReadOnlySpan<byte> owner)
    {
        trie.ComputeRoot();
        var written = new List<(byte[], Hash256)>();
        if (trie.Root is { } root) PutAll(root, [], isRoot: true, owner.ToArray(), written);
        return written;
    }

    private void PutAll(TrieNode node, byte[] path, bool isRoot, byte[] owner, List<(byte[], Hash256)> written)
    {
        if (node is UnresolvedNode) return; // not in memory
        if (isRoot || node.Reference.IsHash)
        {
            var rlp = (node as BranchNode)?.Rlp?.ToArray() ?? Encode(node, path.Length);
            var hash = Keccak256.Compute(rlp);
            Put(owner, path, hash, rlp);
            written.Add((path, hash));
        }
        switch (node)
        {
            case ExtensionNode ext:
                var extended = new byte[path.Length + ext.Length];
                path.CopyTo(extended, 0);
                for (int i = 0; i < ext.Length; i++) extended[path.Length + i] = (byte)Nibbles.At(ext.KeySource, path.Length + i);
                PutAll(ext.Child, extended, isRoot: false, owner, written);
                break;
            case BranchNode branch:
                for (int i = 0; i < 16; i++)
                {
                    if (branch.Children[i] is not { } child) continue;
                    PutAll(child, [.. path, (byte)i], isRoot: false, owner, written);
                }
                break;
        }
    }

    private static byte[] Encode(TrieNode node, int depth)
    {
        var rlp = new byte[StateTrie.EncodedLength(node, depth)];
        StateTrie.Encode(node, depth, rlp);
        return rlp;
    }
}
