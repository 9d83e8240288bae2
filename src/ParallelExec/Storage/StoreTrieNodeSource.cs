using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// The trie nodes an <see cref="IStateStore"/> holds (the trie of <see cref="IStateStore.TrieNodesAt"/>),
/// as an <see cref="ITrieNodeSource"/>. The store keeps nodes by place; the caller checks the hash.
/// </summary>
public sealed class StoreTrieNodeSource(IStateStore store) : ITrieNodeSource
{
    private long _loadedBytes, _loadedNodes;

    /// <summary>RLP bytes of the nodes read so far (by any thread): how much a trie loading from here has grown.</summary>
    public long LoadedBytes => Interlocked.Read(ref _loadedBytes);

    /// <summary>Nodes read so far (by any thread).</summary>
    public long LoadedNodes => Interlocked.Read(ref _loadedNodes);

    /// <inheritdoc/>
    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp)
    {
        if (!store.TryGetTrieNode(owner, path, out rlp)) return false;
        Interlocked.Add(ref _loadedBytes, rlp.Length);
        Interlocked.Increment(ref _loadedNodes);
        return true;
    }

    /// <inheritdoc/>
    public void TryGetNodes(ReadOnlySpan<byte> owner, ReadOnlySpan<byte[]> paths, ReadOnlySpan<Hash256> hashes, Span<byte[]?> rlps)
    {
        store.TryGetTrieNodes(owner, paths, rlps);
        long bytes = 0, nodes = 0;
        for (int i = 0; i < paths.Length; i++)
        {
            if (rlps[i] is not { } rlp) continue;
            bytes += rlp.Length;
            nodes++;
        }
        Interlocked.Add(ref _loadedBytes, bytes);
        Interlocked.Add(ref _loadedNodes, nodes);
    }
}
