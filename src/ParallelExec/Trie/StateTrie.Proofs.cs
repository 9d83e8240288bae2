using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>Merkle proofs of the current state, from the nodes in memory (see <see cref="StateProofs"/>).</summary>
public sealed partial class StateTrie
{
    /// <summary>The state root as of the last <see cref="ComputeRoot(int)"/>.</summary>
    public Hash256 Root => _root;

    /// <summary>
    /// <c>eth_getProof</c> of <paramref name="address"/> and <paramref name="slots"/> at
    /// <see cref="Root"/> (absent ones get exclusion proofs). Throws when changes are pending (their
    /// root was not computed yet). On a trie opened from a node store (<see cref="Open"/>) the nodes
    /// not in memory are read from the store.
    /// </summary>
    public AccountProof GetProof(in Address address, IReadOnlyList<UInt256> slots)
    {
        return StateProofs.Get(NodesOf(address), _root, address, slots);
    }

    /// <summary>
    /// The hashed nodes of the account trie and of <paramref name="address"/>'s storage trie, as a
    /// node source. Throws when changes are pending (their root was not computed yet).
    /// </summary>
    internal ITrieNodeSource NodesOf(in Address address)
    {
        var (memory, store) = NodeSourcesOf(address);
        return store is null ? memory : new LayeredTrieNodeSource(memory, store);
    }

    /// <summary>
    /// <see cref="NodesOf"/> in its two parts: the nodes in memory, and the store the subtrees not
    /// loaded are read from (null when the trie was not opened from a store).
    /// </summary>
    internal (ITrieNodeSource Memory, ITrieNodeSource? Store) NodeSourcesOf(in Address address)
    {
        if (_dirty.Count != 0) throw new InvalidOperationException("the trie has changes whose root was not computed yet");
        var account = _byAddress.Find(address);
        var memory = account is { Storage.Root: { } storage }
            ? new InMemoryTrieNodeSource(_accounts.Root, account.Path, storage)
            : new InMemoryTrieNodeSource(_accounts.Root, null, null);
        return (memory, _nodes);
    }
}
