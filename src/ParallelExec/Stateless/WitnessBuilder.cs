using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Stateless;

/// <summary>
/// Builds a block's <see cref="ExecutionWitness"/> from the full pre-state trie and the block's
/// result: the keys are what the committed executions read or wrote (<see cref="BlockResult.TouchedKeys"/>
/// and <see cref="BlockResult.CreditCheckedKeys"/>; speculative runs that were thrown away add
/// nothing), their values and nodes come from <c>eth_getProof</c>-style proofs of each touched account
/// and its touched slots (<see cref="StateProofs"/> over the trie's nodes), merged so each node is
/// listed once, plus the siblings deletions collapse onto (<see cref="CollapseSiblings"/>).
/// </summary>
public static class WitnessBuilder
{
    /// <summary>
    /// The witness of block <paramref name="blockNumber"/>, executed over the state whose hashed trie is
    /// <paramref name="preState"/> (its root computed, no changes pending) with result <paramref name="result"/>.
    /// </summary>
    public static ExecutionWitness Build(StateTrie preState, long blockNumber, BlockResult result)
    {
        ArgumentNullException.ThrowIfNull(preState);
        ArgumentNullException.ThrowIfNull(result);
        var keys = new SortedSet<StateKey>(result.TouchedKeys);
        keys.UnionWith(result.CreditCheckedKeys);
        // Every touched account's fields too: the post-state root step asks whether an account with
        // storage has fields (it exists without them only while it has a slot).
        foreach (var address in keys.Select(k => k.Address).Distinct().ToList())
        {
            keys.Add(StateKey.Nonce(address));
            keys.Add(StateKey.Balance(address));
            keys.Add(StateKey.CodeHash(address));
        }
        var zeroed = new HashSet<StateKey>();
        foreach (var change in result.ChangeSpan)
            if (change.Key.Kind == StateKeyKind.Storage && change.Value.IsZero) zeroed.Add(change.Key);

        var root = preState.Root;
        // The witness's nodes are what the proofs and the collapse walks load: every node a proof walk
        // loads is a node of its proof, so the cache they load through, by hash, is the node set. The
        // proofs share their nodes near the root: each is loaded, encoded and hashed once a block.
        var nodes = new Dictionary<Hash256, byte[]>();
        var entries = new List<WitnessEntry>(keys.Count);
        var codes = new SortedSet<Hash256>(HashOrder.Instance);
        var deletedAccounts = new List<byte[]>();
        var slots = new List<UInt256>();
        var accountKeys = new List<StateKey>();
        using var next = keys.GetEnumerator();
        bool more = next.MoveNext();
        while (more)
        {
            // One account at a time: its field keys, then its storage keys (the key order).
            var address = next.Current.Address;
            accountKeys.Clear();
            slots.Clear();
            do
            {
                accountKeys.Add(next.Current);
                if (next.Current.Kind == StateKeyKind.Storage) slots.Add(next.Current.Slot);
                more = next.MoveNext();
            }
            while (more && next.Current.Address.Equals(address));

            var (memory, store) = preState.NodeSourcesOf(address);
            var source = new CheckedTrieNodeCache(memory, store, nodes);
            var proof = StateProofs.Get(source, root, address, slots);
            if (proof.Exists && proof.CodeHash != Keccak256.OfEmpty) codes.Add(proof.CodeHash);
            var deletedSlots = new List<byte[]>();
            int s = 0;
            foreach (var key in accountKeys)
            {
                if (key.Kind != StateKeyKind.Storage)
                {
                    entries.Add(new WitnessEntry(key, proof.Exists, proof.Exists ? HashedKeys.FieldValue(key.Kind, proof.Nonce, proof.Balance, proof.CodeHash) : UInt256.Zero));
                    continue;
                }
                var slot = proof.StorageProof[s++];
                bool present = !slot.Value.IsZero;
                entries.Add(new WitnessEntry(key, present, slot.Value));
                if (present && zeroed.Contains(key)) deletedSlots.Add(HashedKeys.Of(key.Slot));
            }
            if (deletedSlots.Count > 0)
            {
                var owner = HashedKeys.Of(address);
                CollapseSiblings.Collect(source, owner, proof.StorageHash, deletedSlots, nodes);
                // The account may lose its last slot and, with no fields, its leaf.
                deletedAccounts.Add(owner);
            }
        }
        if (deletedAccounts.Count > 0)
        {
            var (memory, store) = preState.NodeSourcesOf(default);
            CollapseSiblings.Collect(new CheckedTrieNodeCache(memory, store, nodes), [], root, deletedAccounts, nodes);
        }

        var hashes = new Hash256[nodes.Count];
        var nodeArray = new byte[nodes.Count][];
        int n = 0;
        foreach (var (hash, rlp) in nodes)
        {
            hashes[n] = hash;
            nodeArray[n++] = rlp;
        }
        Array.Sort(hashes, nodeArray); // by hash: Hash256 orders as HashOrder does
        return new ExecutionWitness(blockNumber, root, [.. entries], nodeArray, [.. codes]);
    }
}
