using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>How the chain state gets its trie: opened over the store's nodes, or rebuilt.</summary>
public sealed partial class ChainState
{
    /// <summary>
    /// The trie at the store's head. When the store holds a trie (<see cref="IStateStore.TrieNodesAt"/>)
    /// it is opened over it, reading nothing but its root node; when that trie is of an earlier block
    /// (the head is between checkpoints), the keys the blocks since changed (their undo journals) are
    /// set to their values in the flat state, the root must come out as the head's, and the nodes that
    /// changed are written as the head's stored trie (a checkpoint), so only the first open after such
    /// a stop pays for the journals: at 1 M accounts, eleven blocks past a checkpoint, 7.8 s and
    /// 650 MB, against well under a second over a stored trie that is the head's. Otherwise (no
    /// stored trie, or journals missing) the trie is rebuilt from the whole flat state and its nodes
    /// replace the stored ones. Either way the trie loads from and evicts to the store from then on.
    /// </summary>
    private static StateTrie OpenTrie(IStateStore store, ChainStateOptions options, out bool rebuilt)
    {
        var head = store.Head;
        rebuilt = false;
        if (options.PersistTrieNodes && store.TrieNodesAt is { } at && at.Number <= head.Number
            && JournalKeys(store, at.Number + 1, head.Number) is { } keys)
        {
            CheckRootNode(store, at);
            var trie = StateTrie.Open(new StoreTrieNodeSource(store), at.StateRoot, store);
            trie.RecordsRemovals = true; // the stored trie is kept exact: vacated places are deleted
            trie.MarkAllPersisted();
            if (keys.Count == 0) return trie;
            Hash256 root;
            using var nodes = new TrieNodeSet();
            try
            {
                root = ApplyStoreValues(trie, store, keys, nodes, options.RootParallelism);
            }
            catch (MissingTrieNodeException e)
            {
                throw new StateStoreException(StateStoreError.Corrupt, $"state database {store.Location}: corrupt: {e.Message}", e);
            }
            if (root != head.StateRoot)
                throw new StateStoreException(StateStoreError.Corrupt,
                    $"state database {store.Location}: corrupt: the stored trie of block {at.Number} with the changes of blocks {at.Number + 1}..{head.Number} hashes to {root}, but {head} is recorded");
            store.WriteTrieNodes(nodes, head);
            return trie;
        }
        rebuilt = true;
        return Rebuild(store, options);
    }

    /// <summary>
    /// The keys blocks <paramref name="from"/>..<paramref name="to"/> changed, from their undo journals
    /// (none for an empty range); null when the store lists no journals or one is not kept.
    /// </summary>
    private static HashSet<StateKey>? JournalKeys(IStateStore store, long from, long to)
    {
        var keys = new HashSet<StateKey>();
        if (from > to) return keys;
        if (store is not IUndoJournalReader journals) return null;
        for (long n = from; n <= to; n++)
        {
            if (!journals.TryReadJournalKeys(n, keys)) return null;
        }
        return keys;
    }

    /// <summary>
    /// From here the trie keeps the store's trie exact: its nodes count as stored, the places it
    /// vacates are logged for deletion, and what it drops is loaded again from the store.
    /// </summary>
    private static void FollowStore(StateTrie trie, IStateStore store)
    {
        trie.RecordsRemovals = true;
        trie.MarkAllPersisted();
        if (store.TrieNodesAt is not null) trie.UseNodeStore(new StoreTrieNodeSource(store), store);
    }

    /// <summary>The stored trie's root node is there and is the one recorded: a cheap sign the trie family is whole.</summary>
    private static void CheckRootNode(IStateStore store, StoredBlock at)
    {
        if (at.StateRoot == MerklePatriciaTrie.EmptyRoot) return;
        if (!store.TryGetTrieNode([], [], out var rlp) || Keccak256.Compute(rlp) != at.StateRoot)
            throw new StateStoreException(StateStoreError.Corrupt,
                $"state database {store.Location}: corrupt: the root node of the stored trie (block {at.Number}, root {at.StateRoot}) is {(rlp is null ? "missing" : "another node")}");
    }

    /// <summary>
    /// Sets <paramref name="keys"/> in <paramref name="trie"/> to the store's values (absent: zero),
    /// removes the fields of accounts left without any, and returns the new root (collecting, at a
    /// checkpoint, the nodes the store lacks into <paramref name="nodes"/>).
    /// </summary>
    private static Hash256 ApplyStoreValues(StateTrie trie, IStateStore store, IReadOnlyCollection<StateKey> keys, TrieNodeSet? nodes, int dop)
    {
        SetToValues(trie, store, keys);
        return nodes is null ? trie.ComputeRoot(dop) : trie.ComputeRootForCheckpoint(dop, nodes);
    }

    /// <summary>
    /// Sets <paramref name="keys"/> in <paramref name="trie"/> to their values in <paramref name="state"/>
    /// (absent: zero) and removes the fields of an account among them that has none there, unless
    /// <paramref name="setAfter"/> (changes the caller applies next) sets one of its fields.
    /// </summary>
    private static void SetToValues(StateTrie trie, IStateReader state, IReadOnlyCollection<StateKey> keys, ReadOnlySpan<StateChange> setAfter = default)
    {
        var changes = new StateChange[keys.Count];
        var accounts = new HashSet<Address>();
        int i = 0;
        foreach (var key in keys)
        {
            state.TryGet(key, out var value);
            changes[i++] = new StateChange(key, value);
            if (key.IsAccountField) accounts.Add(key.Address);
        }
        trie.Apply(changes);
        foreach (var change in setAfter)
        {
            if (change.Key.IsAccountField) accounts.Remove(change.Key.Address);
        }
        foreach (var address in accounts)
        {
            if (!state.TryGet(StateKey.Nonce(address), out _) && !state.TryGet(StateKey.Balance(address), out _)
                && !state.TryGet(StateKey.CodeHash(address), out _))
                trie.RemoveAccountFields(address);
        }
    }

    /// <summary>
    /// Trie nodes read from the store since this chain state was opened, by walks into nodes not in
    /// memory (on first touch, and again after an eviction dropped them; not the warming's scans,
    /// <see cref="WarmedNodes"/>): a diagnostic of what the memory budget costs in reads.
    /// </summary>
    public long TrieLoadedNodes => _readsOfEarlierTries.Nodes + ReadsOf(_trie).Nodes;

    /// <summary>RLP bytes of the nodes <see cref="TrieLoadedNodes"/> counts.</summary>
    public long TrieLoadedBytes => _readsOfEarlierTries.Bytes + ReadsOf(_trie).Bytes;

    // What the tries this chain state opened before the current one read (each had a source of its own).
    private (long Nodes, long Bytes) _readsOfEarlierTries;

    private static (long Nodes, long Bytes) ReadsOf(StateTrie trie) =>
        trie.NodeSource is StoreTrieNodeSource source ? (source.LoadedNodes, source.LoadedBytes) : default;

    /// <summary>Opens the trie again from the store (see <see cref="OpenTrie"/>), keeping the count of what the one it replaces read.</summary>
    private StateTrie ReopenTrie(out bool rebuilt)
    {
        var reopened = OpenTrie(_store, _options, out rebuilt);
        var (nodes, bytes) = ReadsOf(_trie);
        _readsOfEarlierTries = (_readsOfEarlierTries.Nodes + nodes, _readsOfEarlierTries.Bytes + bytes);
        return reopened;
    }

    /// <summary>
    /// The estimated bytes the trie holds in memory (object sizes of its nodes and accounts, the measure
    /// <see cref="ChainStateOptions.TrieCacheBytes"/> bounds): a diagnostic, between blocks (not while a
    /// pipeline roots one). It walks everything in memory; not for a hot path.
    /// </summary>
    public long TrieResidentBytes => _trie.Resident().Bytes;
}
