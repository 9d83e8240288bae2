using System.Buffers;
using Microsoft.Extensions.ObjectPool;
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
/// <para>
/// A witness of a large block is megabytes of node arrays, and its working sets (the sorted keys, the
/// node table by hash, the hashes sorted with the nodes) are large arrays; made anew for every block
/// they set off full collections of a heap that holds the trie, so they are pooled between blocks.
/// </para>
/// </summary>
public static class WitnessBuilder
{
    private static readonly ObjectPool<WitnessProofs> Scratch = new DefaultObjectPool<WitnessProofs>(new WitnessProofs.Policy(), 4);

    /// <summary>
    /// The witness of block <paramref name="blockNumber"/>, executed over the state whose hashed trie is
    /// <paramref name="preState"/> (its root computed, no changes pending) with result <paramref name="result"/>.
    /// </summary>
    public static ExecutionWitness Build(StateTrie preState, long blockNumber, BlockResult result)
    {
        ArgumentNullException.ThrowIfNull(preState);
        ArgumentNullException.ThrowIfNull(result);
        var zeroed = new HashSet<StateKey>();
        foreach (var change in result.ChangeSpan)
            if (change.Key.Kind == StateKeyKind.Storage && change.Value.IsZero) zeroed.Add(change.Key);

        var root = preState.Root;
        var keys = KeysOf(result, out int keyCount);
        var proofs = Scratch.Get();
        try
        {
            var entries = new WitnessEntry[keyCount]; // one a key, in key order
            proofs.Prove(preState, root, keys.AsSpan(0, keyCount), zeroed, entries);
            var nodes = proofs.Nodes;
            if (proofs.DeletedAccounts.Count > 0)
            {
                var (memory, store) = preState.NodeSourcesOf(default);
                CollapseSiblings.Collect(new CheckedTrieNodeCache(memory, store, nodes), [], root, proofs.DeletedAccounts, nodes);
            }
            var codes = proofs.Codes;
            codes.Sort(); // by the hashes' bytes (Hash256.CompareTo)
            int distinct = 0;
            for (int i = 0; i < codes.Count; i++)
                if (distinct == 0 || codes[i] != codes[distinct - 1]) codes[distinct++] = codes[i];
            codes.RemoveRange(distinct, codes.Count - distinct);
            return new ExecutionWitness(blockNumber, root, entries, SortedByHash(nodes), [.. codes]);
        }
        finally
        {
            Scratch.Return(proofs);
            ArrayPool<StateKey>.Shared.Return(keys);
        }
    }

    // The touched and credit-checked keys, with every touched account's fields (the post-state root step
    // asks whether an account with storage has fields: it exists without them only while it has a
    // slot), sorted and each once, in a pooled array (the first `count`).
    private static StateKey[] KeysOf(BlockResult result, out int count)
    {
        int read = result.TouchedKeys.Length + result.CreditCheckedKeys.Length;
        var sorted = ArrayPool<StateKey>.Shared.Rent(Math.Max(1, read));
        try
        {
            result.TouchedKeys.CopyTo(sorted, 0);
            result.CreditCheckedKeys.CopyTo(sorted, result.TouchedKeys.Length);
            Array.Sort(sorted, 0, read);
            int addresses = 0;
            for (int i = 0; i < read; i++)
                if (i == 0 || !sorted[i].Address.Equals(sorted[i - 1].Address)) addresses++;
            // Each account: its three fields (they sort first), then its storage keys, each once.
            var keys = ArrayPool<StateKey>.Shared.Rent(Math.Max(1, read + 3 * addresses));
            count = 0;
            for (int i = 0; i < read; i++)
            {
                var key = sorted[i];
                if (i == 0 || !key.Address.Equals(sorted[i - 1].Address))
                {
                    keys[count++] = StateKey.Nonce(key.Address);
                    keys[count++] = StateKey.Balance(key.Address);
                    keys[count++] = StateKey.CodeHash(key.Address);
                }
                if (key.Kind == StateKeyKind.Storage && !key.Equals(keys[count - 1])) keys[count++] = key;
            }
            return keys;
        }
        finally
        {
            ArrayPool<StateKey>.Shared.Return(sorted);
        }
    }

    // The node set as the witness lists it: by hash.
    private static byte[][] SortedByHash(Dictionary<Hash256, byte[]> nodes)
    {
        var hashes = ArrayPool<Hash256>.Shared.Rent(Math.Max(1, nodes.Count));
        var sorted = new byte[nodes.Count][];
        int n = 0;
        foreach (var (hash, rlp) in nodes)
        {
            hashes[n] = hash;
            sorted[n++] = rlp;
        }
        Array.Sort(hashes, sorted, 0, n); // by the hashes' bytes (Hash256.CompareTo)
        ArrayPool<Hash256>.Shared.Return(hashes);
        return sorted;
    }

    /// <summary>The proofs of a block's accounts, and the tables they fill (kept for the next block).</summary>
    private sealed class WitnessProofs
    {
        public readonly Dictionary<Hash256, byte[]> Nodes = new();
        public readonly List<Hash256> Codes = new();
        public readonly List<byte[]> DeletedAccounts = new();
        private readonly List<UInt256> _slots = new();

        public void Prove(StateTrie preState, in Hash256 root, ReadOnlySpan<StateKey> keys, HashSet<StateKey> zeroed, WitnessEntry[] entries)
        {
            // The nodes are what the proofs and the collapse walks load: every node a proof walk loads is
            // a node of its proof, so the cache they load through, by hash, is the node set. The proofs
            // share their nodes near the root: each is loaded and encoded once a block.
            int i = 0, end = keys.Length;
            while (i < end)
            {
                // One account at a time: its field keys, then its storage keys (the key order).
                var address = keys[i].Address;
                int first = i;
                _slots.Clear();
                for (; i < end && keys[i].Address.Equals(address); i++)
                    if (keys[i].Kind == StateKeyKind.Storage) _slots.Add(keys[i].Slot);

                var (memory, store) = preState.NodeSourcesOf(address);
                var source = new CheckedTrieNodeCache(memory, store, Nodes);
                var proof = StateProofs.Get(source, root, address, _slots);
                if (proof.Exists && proof.CodeHash != Keccak256.OfEmpty) Codes.Add(proof.CodeHash);
                List<byte[]>? deletedSlots = null;
                int s = 0;
                for (int k = first; k < i; k++)
                {
                    var key = keys[k];
                    if (key.Kind != StateKeyKind.Storage)
                    {
                        entries[k] = new WitnessEntry(key, proof.Exists, proof.Exists ? HashedKeys.FieldValue(key.Kind, proof.Nonce, proof.Balance, proof.CodeHash) : UInt256.Zero);
                        continue;
                    }
                    var slot = proof.StorageProof[s++];
                    bool present = !slot.Value.IsZero;
                    entries[k] = new WitnessEntry(key, present, slot.Value);
                    if (present && zeroed.Contains(key)) (deletedSlots ??= []).Add(HashedKeys.Of(key.Slot));
                }
                if (deletedSlots is not null)
                {
                    var owner = HashedKeys.Of(address);
                    CollapseSiblings.Collect(source, owner, proof.StorageHash, deletedSlots, Nodes);
                    // The account may lose its last slot and, with no fields, its leaf.
                    DeletedAccounts.Add(owner);
                }
            }
        }

        /// <summary>Goes back emptied, the tables' capacity kept for the next block, unless a huge witness grew them.</summary>
        public sealed class Policy : PooledObjectPolicy<WitnessProofs>
        {
            // A node set of this many (about 50 MB of table) is not kept for the blocks after.
            private const int MaxPooledNodes = 1 << 20;

            public override WitnessProofs Create() => new();

            public override bool Return(WitnessProofs proofs)
            {
                if (proofs.Nodes.Count > MaxPooledNodes) return false;
                proofs.Nodes.Clear();
                proofs.Codes.Clear();
                proofs.DeletedAccounts.Clear();
                proofs._slots.Clear();
                return true;
            }
        }
    }
}
