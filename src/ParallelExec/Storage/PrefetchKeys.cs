using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The distinct keys to read before a block executes: per transaction, its declared hints (reads and
/// writes: a written balance is read first, and a credit is read when it is committed) when it has
/// usable ones, else the keys it will likely touch (<see cref="ITransaction.AppendLikelyKeys"/>).
/// Hints larger than <see cref="ExecutionLimits.MaxHintKeys"/> are not usable, as the scheduler skips
/// them; only the first <see cref="ExecutionLimits.MaxLikelyKeys"/> likely keys are taken, and a
/// transaction whose <see cref="ITransaction.AppendLikelyKeys"/> throws adds none. A block that comes
/// with an access list prefetches the keys the list names instead. None of it is trusted: a prefetch of
/// keys nobody reads costs only time. Over a store that keeps accounts whole
/// (<see cref="IStateStore.KeepsAccountsWhole"/>) a named account field brings its two siblings: the
/// same lookup reads them, and the commit needs them to rewrite the account's record.
/// </summary>
internal sealed class PrefetchKeys(bool wholeAccounts = false)
{
    private readonly HashSet<StateKey> _seen = new();
    private readonly List<StateKey> _keys = new();
    // Whole accounts: the accounts named (20-byte addresses) and the slots, apart. De-duplicating and
    // sorting three 64-byte keys for each account had been most of the time a block of transfers took here.
    private readonly HashSet<Address> _seenAccounts = new();
    private readonly List<Address> _accounts = new();
    private readonly List<StateKey> _slots = new();
    private readonly LikelyKeyBuffer _likely = new(ExecutionLimits.MaxLikelyKeys);

    /// <summary>Collects <paramref name="block"/>'s keys to prefetch, in key order (the order a batched read wants).</summary>
    public List<StateKey> Collect(Block block)
    {
        _seen.Clear();
        _keys.Clear();
        _seenAccounts.Clear();
        _accounts.Clear();
        _slots.Clear();
        foreach (var tx in block.Transactions)
        {
            if (tx.Hints is { } hints && hints.Count <= ExecutionLimits.MaxHintKeys)
            {
                foreach (var key in hints.Reads) Add(key);
                foreach (var key in hints.Writes) Add(key);
                continue;
            }
            foreach (var key in _likely.Collect(tx)) Add(key);
        }
        if (wholeAccounts) MergeAccountsAndSlots();
        else _keys.Sort();
        return _keys;
    }

    // The named accounts' fields and the slots, in key order: an account's nonce, balance and code
    // hash (kinds 0, 1, 2), then its slots (kind 3), then the next address's.
    private void MergeAccountsAndSlots()
    {
        _accounts.Sort();
        _slots.Sort();
        int s = 0;
        foreach (var address in _accounts)
        {
            var nonce = StateKey.Nonce(address);
            while (s < _slots.Count && _slots[s].CompareTo(nonce) < 0) _keys.Add(_slots[s++]);
            _keys.Add(nonce);
            _keys.Add(StateKey.Balance(address));
            _keys.Add(StateKey.CodeHash(address));
        }
        while (s < _slots.Count) _keys.Add(_slots[s++]);
    }

    /// <summary>
    /// The keys <paramref name="list"/> names — each listed account's balance, nonce and code hash, and
    /// its changed and read slots: exactly what its block reads when the list is right — in key order.
    /// </summary>
    public List<StateKey> Collect(BlockAccessList list)
    {
        _keys.Clear();
        foreach (var account in list.Accounts)
        {
            var address = account.Address;
            _keys.Add(StateKey.Balance(address));
            _keys.Add(StateKey.Nonce(address));
            _keys.Add(StateKey.CodeHash(address));
            foreach (var slot in account.StorageChanges) _keys.Add(StateKey.Storage(address, slot.Slot));
            foreach (var slot in account.StorageReads) _keys.Add(StateKey.Storage(address, slot));
        }
        _keys.Sort(); // distinct by the list's structure
        return _keys;
    }

    private void Add(in StateKey key)
    {
        if (!wholeAccounts)
        {
            if (_seen.Add(key)) _keys.Add(key);
        }
        else if (key.Kind == StateKeyKind.Storage)
        {
            if (_seen.Add(key)) _slots.Add(key);
        }
        else if (_seenAccounts.Add(key.Address))
        {
            _accounts.Add(key.Address); // its three fields are added together, once sorted
        }
    }
}
