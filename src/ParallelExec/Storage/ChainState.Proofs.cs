using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>Merkle proofs (<c>eth_getProof</c>) of the head's state.</summary>
public sealed partial class ChainState
{
    /// <summary>
    /// The proof of <paramref name="address"/> and <paramref name="slots"/> at the head's state root,
    /// from the trie in memory. Not while a <see cref="ChainPipeline"/> runs (the trie is then ahead
    /// of the head).
    /// </summary>
    public AccountProof GetProof(in Address address, IReadOnlyList<UInt256> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        return TrieAtHead().GetProof(address, slots);
    }

    // The trie of the head's state (opened again if a failed commit left it stale), for proofs and
    // witnesses of the head: not while blocks are in flight, when it is ahead of the head.
    private StateTrie TrieAtHead()
    {
        if (Volatile.Read(ref _uncommitted) > 0) throw new InvalidOperationException("blocks are still being committed: proofs and witnesses are of the head, ask once they are");
        if (_trieStale)
        {
            _trie = ReopenTrie(out _);
            _trieStale = false;
        }
        if (_trie.Root != Head.StateRoot) throw new InvalidOperationException($"the trie's root {_trie.Root} is not the head's ({Head})");
        return _trie;
    }

    /// <summary>
    /// The proof of <paramref name="address"/> and <paramref name="slots"/> at the head of
    /// <paramref name="store"/>: read from the store's trie nodes when they are the head's
    /// (<see cref="IStateStore.TrieNodesAt"/>: only the nodes on the proof's paths are read);
    /// otherwise by opening the chain state (which brings the trie to the head).
    /// <paramref name="fromStore"/> says which. A node missing from a trie the store says is complete is
    /// <see cref="StateStoreError.Corrupt"/>.
    /// </summary>
    public static AccountProof GetProof(IStateStore store, in Address address, IReadOnlyList<UInt256> slots, out bool fromStore, ChainStateOptions? options = null)
    {
        var proof = GetProof(store, address, slots, out ProofSource source, options);
        fromStore = source == ProofSource.StoredTrie;
        return proof;
    }

    /// <inheritdoc cref="GetProof(IStateStore, in Address, IReadOnlyList{UInt256}, out bool, ChainStateOptions?)"/>
    /// <param name="store">The store whose head is proved.</param>
    /// <param name="address">The account.</param>
    /// <param name="slots">Its storage slots to prove.</param>
    /// <param name="source">Where the proof came from: the stored trie, or the chain state opened over the store and how.</param>
    /// <param name="options">The options of the chain state opened when the stored trie is not the head's.</param>
    public static AccountProof GetProof(IStateStore store, in Address address, IReadOnlyList<UInt256> slots, out ProofSource source, ChainStateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(slots);
        if (!store.IsInitialized) throw new StateStoreException(StateStoreError.Missing, $"state database {store.Location}: holds no chain yet (no genesis state)");
        var root = store.Head.StateRoot;
        if (store.TrieNodesAt == store.Head)
        {
            try
            {
                var stored = StateProofs.Get(new StoreTrieNodeSource(store), root, address, slots);
                source = ProofSource.StoredTrie;
                return stored;
            }
            catch (Exception e) when (e is MissingTrieNodeException or Rlp.RlpException)
            {
                throw new StateStoreException(StateStoreError.Corrupt, $"state database {store.Location}: corrupt: {e.Message}", e);
            }
        }
        var chain = Open(store, options);
        source = chain.OpenRebuiltTrie ? ProofSource.RebuiltTrie : ProofSource.StoredTrieAndJournals;
        return chain.GetProof(address, slots);
    }
}
