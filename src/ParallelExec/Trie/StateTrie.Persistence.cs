using System.Runtime.ExceptionServices;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Which nodes a node store lacks, for writing them at checkpoints instead of after every root.
/// Every root computation is a new generation, stamped on each node it hashes
/// (<see cref="TrieNode.Generation"/>). A change re-hashes every ancestor, so a node is never older
/// than a descendant, and the nodes hashed after generation G hang together from the root. Once
/// tracking has started, nodes of generation ≤ <see cref="_persisted"/> are in the store, each
/// with its whole subtree (a checkpoint writes a complete trie); the newer ones are found by a walk
/// that enters only newer nodes: the work of the blocks since the checkpoint, not of the trie.
/// </summary>
public sealed partial class StateTrie
{
    private int _generation;
    /// <summary>Nodes of this generation or older are in the node store; -1: not tracked.</summary>
    private int _persisted = -1;
    /// <summary>Accounts whose storage trie has nodes newer than <see cref="_persisted"/> (each once: <see cref="StateAccount.StorageUnpersisted"/>).</summary>
    private readonly List<StateAccount> _unpersistedStorage = new();

    /// <summary>True once <see cref="MarkAllPersisted"/> started tracking.</summary>
    public bool TracksPersistence => _persisted >= 0;

    /// <summary>Starts a root computation: the nodes it hashes get a new generation.</summary>
    private void NextGeneration()
    {
        _generation++;
        _accounts.Generation = _generation;
    }

    /// <summary>A storage trie is about to be hashed: stamp its nodes, and remember it when tracking.</summary>
    private void BeforeStorageHashed(StateAccount account, MerklePatriciaTrie storage)
    {
        storage.Generation = _generation;
        if (_persisted < 0 || account.StorageUnpersisted) return;
        account.StorageUnpersisted = true;
        _unpersistedStorage.Add(account);
    }

    /// <summary>Starts tracking with every node of the tries in the store (they were all just written, as for a genesis).</summary>
    public void MarkAllPersisted()
    {
        if (_dirty.Count != 0) throw new InvalidOperationException("the trie has changes whose root was not computed yet");
        ForgetUnpersistedStorage();
        _persisted = _generation;
    }

    /// <summary>
    /// <see cref="ComputeRoot(int, TrieNodeSet)"/> at a checkpoint: appends to <paramref name="nodes"/>
    /// the nodes this computation hashes and every other node of the tries that is not in the store
    /// (hashed since the last checkpoint and still in the tries); afterwards all of them count as persisted. The caller writes them
    /// with this root, atomically (or rebuilds the trie if it does not).
    /// </summary>
    public Hash256 ComputeRootForCheckpoint(int degreeOfParallelism, TrieNodeSet nodes) =>
        ComputeRootForCheckpoint(degreeOfParallelism, nodes, degreeOfParallelism);

    /// <summary>
    /// <see cref="ComputeRootForCheckpoint(int, TrieNodeSet)"/>, finding the nodes hashed since the
    /// last checkpoint on up to <paramref name="exportParallelism"/> threads: a walk that waits on
    /// memory, like a block's update, where hashing may run on fewer.
    /// </summary>
    internal Hash256 ComputeRootForCheckpoint(int degreeOfParallelism, TrieNodeSet nodes, int exportParallelism)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (_persisted < 0) throw new InvalidOperationException("persistence is not tracked: call MarkAllPersisted first");
        var root = ComputeRoot(degreeOfParallelism, nodes);
        // Only the nodes of this generation are new when the last checkpoint was the computation before.
        if (_persisted < _generation - 1) ExportOlderNodes(nodes, exportParallelism);
        // Places vacated in the computations since the last checkpoint (this one's are exported already).
        foreach (var account in _unpersistedStorage) account.Storage?.ExportRemovals(nodes, concurrent: false);
        _accounts.ExportRemovals(nodes, concurrent: false);
        ForgetUnpersistedStorage();
        _persisted = _generation;
        return root;
    }

    /// <summary>
    /// Emits the nodes newer than the last checkpoint but older than this computation into
    /// <paramref name="nodes"/>: each trie's root here, and the subtries under a root branch's children
    /// as separate items walked on up to <paramref name="degreeOfParallelism"/> threads. The walk is
    /// mostly cache misses (it reads every child of each newer branch to find the newer ones), and it
    /// holds up the root stage: at 1 M accounts it took ~3 % of a replay's samples on that thread alone.
    /// A thread exports an item into a set of its own, then moves it into <paramref name="nodes"/>
    /// under a lock (<see cref="TrieNodeSet.MoveFrom"/>: the large chunks change hands, only what fits
    /// the first is copied).
    /// </summary>
    private void ExportOlderNodes(TrieNodeSet nodes, int degreeOfParallelism)
    {
        var items = _exportItems;
        items.Clear();
        var path = new byte[64];
        AddExportRoot(_accounts.Root, [], items, ref path, nodes);
        foreach (var account in _unpersistedStorage)
        {
            if (account.InTrie && account.Storage?.Root is { } storageRoot) AddExportRoot(storageRoot, account.Path!, items, ref path, nodes);
        }
        try
        {
            if (degreeOfParallelism < 2 || items.Count < 2)
            {
                foreach (var item in items) ExportSubtrie(item, ref path, nodes);
                return;
            }
            var gate = new object();
            Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism },
                () => new ExportScratch(),
                (i, _, scratch) =>
                {
                    ExportSubtrie(items[i], ref scratch.Path, scratch.Nodes);
                    lock (gate)
                    {
                        nodes.MoveFrom(scratch.Nodes);
                    }
                    return scratch;
                },
                scratch => scratch.Nodes.Dispose());
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        finally
        {
            items.Clear(); // nothing of the tries stays reachable from here
        }
    }

    /// <summary>A subtrie whose newer nodes a checkpoint exports: a root branch's child at nibble <see cref="Nibble"/>, in the trie of <see cref="Owner"/>.</summary>
    private readonly record struct ExportItem(TrieNode Node, byte[] Owner, byte Nibble);

    private readonly List<ExportItem> _exportItems = new();

    // A thread's own set and path while it exports items.
    private sealed class ExportScratch
    {
        public readonly TrieNodeSet Nodes = new();
        public byte[] Path = new byte[64];
    }

    // A trie's root, if newer than the last checkpoint: emitted here (the whole trie when the root is
    // not a branch), its children's subtries added as items.
    private void AddExportRoot(TrieNode? root, byte[] owner, List<ExportItem> items, ref byte[] path, TrieNodeSet nodes)
    {
        if (root is not BranchNode branch)
        {
            if (root is not null) ExportOlder(root, ref path, 0, owner, nodes);
            return;
        }
        if (branch.Generation <= _persisted) return; // stored, with its subtree
        if (branch.Generation != _generation) Emit(branch, [], isRoot: true, owner, nodes);
        var children = branch.Children;
        for (int i = 0; i < children.Length; i++)
        {
            if (children[i] is { } child) items.Add(new ExportItem(child, owner, (byte)i));
        }
    }

    private void ExportSubtrie(in ExportItem item, ref byte[] path, TrieNodeSet nodes)
    {
        path[0] = item.Nibble;
        ExportOlder(item.Node, ref path, 1, item.Owner, nodes);
    }

    /// <summary>
    /// Emits the nodes newer than the last checkpoint but older than this computation (which handed
    /// its own over); <paramref name="path"/> holds the nibbles down to <paramref name="node"/>.
    /// </summary>
    private void ExportOlder(TrieNode node, ref byte[] path, int depth, byte[] owner, TrieNodeSet nodes)
    {
        bool isRoot = depth == 0;
        if (node.Generation <= _persisted) return; // stored, with its subtree
        if (!node.Reference.IsHash && !isRoot) return; // embedded: so is everything below it
        if (node.Generation != _generation) Emit(node, path.AsSpan(0, depth), isRoot, owner, nodes);
        switch (node)
        {
            case ExtensionNode ext:
                int end = depth + ext.Length;
                if (path.Length <= end) Array.Resize(ref path, Math.Max(2 * path.Length, end + 1));
                for (int i = depth; i < end; i++) path[i] = (byte)Nibbles.At(ext.KeySource, i);
                ExportOlder(ext.Child, ref path, end, owner, nodes);
                break;
            case BranchNode branch:
                if (path.Length <= depth) Array.Resize(ref path, 2 * path.Length);
                for (int i = 0; i < 16; i++)
                {
                    if (branch.Children[i] is not { } child) continue;
                    path[depth] = (byte)i;
                    ExportOlder(child, ref path, depth + 1, owner, nodes);
                }
                break;
        }
    }

    private void ForgetUnpersistedStorage()
    {
        foreach (var account in _unpersistedStorage) account.StorageUnpersisted = false;
        _unpersistedStorage.Clear();
    }
}
