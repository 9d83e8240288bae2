using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// Bounded memory for a state trie over a node store: what is in the store can be dropped and loaded
/// again when a block needs it.
/// </summary>
public sealed partial class StateTrie
{
    /// <summary>Nibble levels of the account trie that eviction keeps (the root branch and its sixteen children: every block passes them).</summary>
    public const int ResidentAccountTrieLevels = 2;

    /// <summary>Estimated bytes of a <see cref="StateAccount"/> in memory, with its path and its table slot.</summary>
    private const int AccountBytes = 220;

    /// <summary>
    /// Lets a trie built in memory (<see cref="FromState"/>) whose nodes have all been written to
    /// <paramref name="nodes"/> (a genesis export) evict, and load back, like one opened with
    /// <see cref="Open"/>; <paramref name="fields"/> is the flat state (see <see cref="Open"/>).
    /// </summary>
    public void UseNodeStore(ITrieNodeSource nodes, IStateReader fields)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(fields);
        _nodes = nodes;
        _fields = fields;
        _accounts.UseSource(nodes);
        foreach (var account in _byAddress.Accounts()) account.Storage?.UseSource(nodes);
    }

    /// <summary>
    /// Estimated bytes held in memory by the tries' nodes and the accounts (object sizes, not
    /// measured), and how many nodes and accounts that is. Walks everything in memory.
    /// </summary>
    public (long Bytes, long Nodes, int Accounts) Resident()
    {
        var (bytes, nodes) = _accounts.Resident();
        int accounts = 0;
        foreach (var account in _byAddress.Accounts())
        {
            accounts++;
            bytes += AccountBytes;
            if (account.Storage is null) continue;
            var (storageBytes, storageNodes) = account.Storage.Resident();
            bytes += storageBytes;
            nodes += storageNodes;
        }
        return (bytes, nodes, accounts);
    }

    /// <summary>
    /// Keeps memory within <paramref name="budgetBytes"/> (as <see cref="Resident"/> estimates it): when
    /// over it, drops every account whose storage trie is all persisted (it is loaded again from its
    /// leaf and the flat state when a block touches it, see <see cref="Open"/>), and turns every
    /// persisted subtree of the account trie below its top <see cref="ResidentAccountTrieLevels"/>
    /// levels, and of the storage tries kept, back into an unresolved node (only its hash kept).
    /// "Persisted" is the generation tracking's: a node of a generation at most that of the last
    /// <see cref="MarkAllPersisted"/> or <see cref="ComputeRootForCheckpoint"/> is in the node store with its whole subtree, so call
    /// this after the nodes of the last root are durable and one of those said so (a store written
    /// every block calls <see cref="MarkAllPersisted"/> after each commit). Nodes or accounts changed
    /// since are never dropped. Needs a node store (<see cref="Open"/> or <see cref="UseNodeStore"/>)
    /// and no pending changes. Walks everything in memory: its cost grows with the budget, not the
    /// state. Returns the estimate after eviction.
    /// </summary>
    public long Evict(long budgetBytes) => Evict(budgetBytes, out _);

    /// <summary>As <see cref="Evict(long)"/>; <paramref name="residentBefore"/>: the estimate before eviction.</summary>
    public long Evict(long budgetBytes, out long residentBefore)
    {
        if (_dirty.Count != 0) throw new InvalidOperationException("the trie has changes whose root was not computed yet");
        if (_nodes is null) throw new InvalidOperationException("evicting needs a node store to load from: open the trie with Open, or call UseNodeStore");
        if (_persisted < 0) throw new InvalidOperationException("persistence is not tracked: call MarkAllPersisted first");
        var (bytes, _, _) = Resident();
        residentBefore = bytes;
        if (bytes <= budgetBytes) return bytes;
        var kept = new AccountTable();
        foreach (var account in _byAddress.Accounts())
        {
            if (!account.StorageUnpersisted && (account.Storage?.Root is null || account.Storage.Root.Generation <= _persisted)) continue;
            kept.Add(account);
            account.Storage?.Unload(keepDepth: 1, _persisted);
        }
        _byAddress = kept;
        _accounts.Unload(ResidentAccountTrieLevels, _persisted);
        return Resident().Bytes;
    }
}
