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
    private readonly LikelyKeyBuffer _likely = new(ExecutionLimits.MaxLikelyKeys);

    /// <summary>Collects <paramref name="block"/>'s keys to prefetch, in key order (the order a batched read wants).</summary>
    public List<StateKey> Collect(Block block)
    {
        _seen.Clear();
        _keys.Clear();
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
        _keys.Sort();
        return _keys;
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
        if (!wholeAccounts || key.Kind == StateKeyKind.Storage)
        {
            if (_seen.Add(key)) _keys.Add(key);
            return;
        }
        // The nonce stands for the account: its fields are added together.
        var nonce = StateKey.Nonce(key.Address);
        if (!_seen.Add(nonce)) return;
        _keys.Add(nonce);
        _keys.Add(StateKey.Balance(key.Address));
        _keys.Add(StateKey.CodeHash(key.Address));
    }
}
