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
    public (long Bytes, long Nodes, int Accounts) Resident() => ResidentByAge(stackalloc long[AgeSlots]); // zeroed: no SkipLocalsInit here

    /// <summary>
    /// Keeps memory within <paramref name="budgetBytes"/> (as <see cref="Resident"/> estimates it): when
    /// over it, drops what the blocks wrote longest ago until half the budget is left. Dropped are
    /// persisted subtrees of the account trie below its top <see cref="ResidentAccountTrieLevels"/>
    /// levels and of the storage tries (turned back into unresolved nodes, only their hash kept), every
    /// account without storage and every account whose storage trie goes whole (loaded again from its
    /// leaf and the flat state when a block touches it, see <see cref="Open"/>). Age is the generation
    /// a node was last hashed in: nodes loaded and never changed are the oldest, and the top levels,
    /// which every block changes, the newest. "Persisted" is the generation tracking's: a node of a
    /// generation at most that of the last <see cref="MarkAllPersisted"/> or
    /// <see cref="ComputeRootForCheckpoint(int, TrieNodeSet)"/> is in the node store with its whole subtree, so call this
    /// after the nodes of the last root are durable and one of those said so (a store written every
    /// block calls <see cref="MarkAllPersisted"/> after each commit). Nodes or accounts changed since
    /// are never dropped: a budget of 0 drops everything persisted. Needs a node store
    /// (<see cref="Open"/> or <see cref="UseNodeStore"/>) and no pending changes. Walks everything in
    /// memory: its cost grows with the budget, not the state. Returns the estimate after eviction.
    /// </summary>
    public long Evict(long budgetBytes) => Evict(budgetBytes, out _);

    /// <summary>As <see cref="Evict(long)"/>; <paramref name="residentBefore"/>: the estimate before eviction.</summary>
    public long Evict(long budgetBytes, out long residentBefore) => Evict(budgetBytes, out residentBefore, beforeDropping: null);

    /// <summary>
    /// As <see cref="Evict(long, out long)"/>; <paramref name="beforeDropping"/> is called once the walk
    /// found something to drop, before anything is: it may wait there for the last checkpoint's nodes
    /// to become durable (a walk that finds the trie within the budget needs no wait), and returns
    /// false to drop nothing after all.
    /// </summary>
    public long Evict(long budgetBytes, out long residentBefore, Func<bool>? beforeDropping)
    {
        if (_dirty.Count != 0) throw new InvalidOperationException("the trie has changes whose root was not computed yet");
        if (_nodes is null) throw new InvalidOperationException("evicting needs a node store to load from: open the trie with Open, or call UseNodeStore");
        if (_persisted < 0) throw new InvalidOperationException("persistence is not tracked: call MarkAllPersisted first");
        Span<long> bytesByAge = stackalloc long[AgeSlots]; // zeroed: no SkipLocalsInit here
        var (bytes, _, _) = ResidentByAge(bytesByAge);
        residentBefore = bytes;
        if (bytes <= budgetBytes || beforeDropping?.Invoke() == false) return bytes;
        int upTo = OldestToKeep(bytesByAge, bytes, budgetBytes / 2) - 1;
        long added = 0;
        var kept = new AccountTable();
        foreach (var account in _byAddress.Accounts())
        {
            if (!account.StorageUnpersisted && (account.Storage?.Root is null || account.Storage.Root.Generation <= upTo)) continue;
            kept.Add(account);
            if (account.Storage is { } storage)
            {
                storage.Unload(keepDepth: 1, upTo, out long storageAdded);
                added += storageAdded;
            }
        }
        _byAddress = kept;
        _accounts.Unload(ResidentAccountTrieLevels, upTo, out long accountsAdded);
        added += accountsAdded;
        // What the walk before measured, less what went, plus the unresolved nodes left in its place:
        // no second walk of what stays (at 10 M accounts each walk of the budget's nodes took ~0.3 s
        // of the root stage).
        return DroppedFrom(bytesByAge, upTo) is long dropped and >= 0 ? bytes - dropped + added : Resident().Bytes;
    }

    // The bytes an unload of generations up to upTo drops, read from the measure by age; -1 when the
    // cutoff falls in the last slot, which also holds generations it keeps.
    private long DroppedFrom(ReadOnlySpan<long> bytesByAge, int upTo)
    {
        long oldestAge = (long)_generation - upTo;
        if (oldestAge >= bytesByAge.Length - 1 || oldestAge < 0) return -1;
        long dropped = 0;
        for (int age = (int)oldestAge; age < bytesByAge.Length; age++) dropped += bytesByAge[age];
        return dropped;
    }

    /// <summary>
    /// Generations told apart by an eviction: the blocks of several checkpoint intervals. Older ones
    /// (and nodes loaded and never changed) share the last slot and go first.
    /// </summary>
    private const int AgeSlots = 64;

    /// <summary>
    /// <see cref="Resident"/>, and what an eviction can drop by age (<see cref="_generation"/> − the
    /// generation it goes with): an account without storage in any case (the last slot), one with
    /// storage with its storage trie's root.
    /// </summary>
    private (long Bytes, long Nodes, int Accounts) ResidentByAge(Span<long> bytesByAge)
    {
        var (bytes, nodes) = _accounts.Resident(ResidentAccountTrieLevels, _generation, bytesByAge);
        int accounts = 0, last = bytesByAge.Length - 1;
        foreach (var account in _byAddress.Accounts())
        {
            accounts++;
            var (storageBytes, storageNodes) = account.Storage?.Resident(keepDepth: 1, _generation, bytesByAge, account.Storage.Root?.Generation ?? -1) ?? default;
            bytes += AccountBytes + storageBytes;
            nodes += storageNodes;
            if (account.Storage?.Root is { } root)
                bytesByAge[Math.Clamp(_generation - root.Generation, 0, last)] += AccountBytes + MerklePatriciaTrie.TrieBytes; // goes with its storage's root
            else if (!account.StorageUnpersisted)
                bytesByAge[last] += AccountBytes + storageBytes; // goes in any case
        }
        return (bytes, nodes, accounts);
    }

    /// <summary>
    /// The oldest generation an eviction keeps: the oldest whose dropping everything older leaves at
    /// most <paramref name="targetBytes"/> of <paramref name="bytes"/>, or, when dropping all that is
    /// persisted leaves more, the one after the last persisted.
    /// </summary>
    private int OldestToKeep(ReadOnlySpan<long> bytesByAge, long bytes, long targetBytes)
    {
        int youngest = _generation - _persisted; // the age of the last persisted generation
        if (youngest >= bytesByAge.Length - 1) return _persisted + 1; // the last slot holds unpersisted ages too
        long left = bytes;
        for (int age = bytesByAge.Length - 1; age > youngest; age--)
        {
            left -= bytesByAge[age];
            if (left <= targetBytes) return _generation - age + 1;
        }
        return _persisted + 1;
    }
}
