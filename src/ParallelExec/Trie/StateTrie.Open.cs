using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// A state trie opened from a root hash over a node store: nothing is read until a block touches an
/// account, which is then loaded from its account-trie leaf (fields and storage root, nodes loaded on
/// the way) and from the flat state (whether its fields are present); its storage trie opens from its
/// storage root, again reading nothing until a slot is touched.
/// </summary>
public sealed partial class StateTrie
{
    /// <summary>Where nodes not in memory are loaded from (null: the tries are whole in memory).</summary>
    private ITrieNodeSource? _nodes;
    /// <summary>The flat state, for which fields of a loaded account are present.</summary>
    private IStateReader? _fields;

    /// <summary>
    /// The state with root <paramref name="root"/> whose trie nodes are in <paramref name="nodes"/>
    /// (owner: empty for the account trie, keccak256(address) for a storage trie), ready at once: it
    /// reads nothing. An account is loaded when <see cref="Apply"/> (or
    /// <see cref="RemoveAccountFields"/>) first touches it: nonce, balance, code hash and storage root
    /// from its leaf; and, for an account with storage, which of its fields are present from
    /// <paramref name="fields"/> (the flat state, as of <paramref name="root"/> or later: a block only
    /// adds fields, and presence is all that is read; an account with storage exists without fields).
    /// A node missing from <paramref name="nodes"/> throws <see cref="MissingTrieNodeException"/> from
    /// the call that needed it; the trie must then be opened again.
    /// </summary>
    public static StateTrie Open(ITrieNodeSource nodes, in Hash256 root, IStateReader fields)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(fields);
        var trie = new StateTrie
        {
            _nodes = nodes,
            _fields = fields,
            _accounts = MerklePatriciaTrie.Open(nodes, [], root),
            _root = root,
        };
        return trie;
    }

    /// <summary>
    /// Nodes loaded from the node source so far, account trie and the storage tries in memory together
    /// (a diagnostic: it visits every account in memory).
    /// </summary>
    public long LoadedNodeCount
    {
        get
        {
            long count = _accounts.LoadedNodeCount;
            foreach (var account in _byAddress.Accounts()) count += account.Storage?.LoadedNodeCount ?? 0;
            return count;
        }
    }

    /// <summary>Accounts loaded from the node source so far.</summary>
    public long LoadedAccountCount { get; private set; }

    /// <summary>An account not in memory yet, as the account trie and the flat state hold it.</summary>
    private StateAccount LoadAccount(in Address address)
    {
        var account = new StateAccount(address);
        long hashes = 0;
        account.ComputePath(ref hashes);
        _otherHashes += hashes;
        LoadedAccountCount++;
        if (!_accounts.TryGet(account.Path, out var leaf)) return account; // absent: no field can be present either
        var items = new RlpReader(leaf).ReadList();
        account.Nonce = items.ReadUInt64();
        account.Balance = items.ReadUInt256();
        var storageRoot = items.ReadHash256();
        var codeHash = items.ReadHash256();
        account.CodeHash = codeHash == Crypto.Keccak256.OfEmpty ? UInt256.Zero : codeHash.ToUInt256();
        account.InTrie = true;
        if (storageRoot == MerklePatriciaTrie.EmptyRoot)
        {
            account.HasFields = true; // in the trie without storage: only fields make it exist
            return account;
        }
        account.Storage = MerklePatriciaTrie.Open(_nodes!, account.Path, storageRoot);
        account.Storage.RecordsRemovals = _recordsRemovals;
        account.HasFields = _fields!.TryGet(StateKey.Nonce(address), out _)
            || _fields.TryGet(StateKey.Balance(address), out _)
            || _fields.TryGet(StateKey.CodeHash(address), out _);
        return account;
    }
}
