using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// What a block access list says its block leaves behind: every key it changes with its last
/// post-value (<see cref="Changes"/>), so the state root can be computed before the block's execution
/// ends; and the check, once it has ended, that the block made exactly these changes
/// (<see cref="Compare"/>). Reused block after block: once grown, neither allocates per key.
/// One block at a time.
/// </summary>
internal sealed class AccessListPostState
{
    private StateChange[] _changes = [];
    private int _count;
    private readonly Dictionary<StateKey, int> _positions = new();
    // Per listed change, the comparison that found it among the block's changes (stamped, never cleared).
    private int[] _matchedIn = [];
    private int _comparison;
    private StateChange[] _unlisted = [];
    private int _unlistedCount;

    /// <summary>Each key the list changes, with its last post-value: accounts ascending, then storage, balance, nonce, code.</summary>
    public ReadOnlySpan<StateChange> Changes => _changes.AsSpan(0, _count);

    /// <summary>After <see cref="Compare"/>: the block's changes of keys the list does not change (writes that left their key as it was, when the list is right).</summary>
    public ReadOnlySpan<StateChange> Unlisted => _unlisted.AsSpan(0, _unlistedCount);

    /// <summary>Takes <paramref name="list"/>'s post-state.</summary>
    public void Load(BlockAccessList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        int count = ChangedKeys(list);
        if (_changes.Length < count)
        {
            _changes = new StateChange[Math.Max(count, _changes.Length * 2)];
            _matchedIn = new int[_changes.Length];
            _comparison = 0;
        }
        _positions.Clear();
        _positions.EnsureCapacity(count);
        _count = 0;
        foreach (var account in list.Accounts)
        {
            var address = account.Address;
            foreach (var slot in account.StorageChanges) Add(StateKey.Storage(address, slot.Slot), slot.Changes);
            Add(StateKey.Balance(address), account.BalanceChanges);
            Add(StateKey.Nonce(address), account.NonceChanges);
            Add(StateKey.CodeHash(address), account.CodeChanges);
        }
        _unlistedCount = 0;
    }

    private static int ChangedKeys(BlockAccessList list)
    {
        int count = 0;
        foreach (var account in list.Accounts)
        {
            count += account.StorageChanges.Length;
            if (account.BalanceChanges.Length > 0) count++;
            if (account.NonceChanges.Length > 0) count++;
            if (account.CodeChanges.Length > 0) count++;
        }
        return count;
    }

    private void Add(in StateKey key, AccessListChange[] changes)
    {
        if (changes.Length == 0) return;
        _positions.Add(key, _count);
        _changes[_count++] = new StateChange(key, changes[^1].Value);
    }

    /// <summary>
    /// Whether the block's <paramref name="actual"/> changes (one per key) include every change the
    /// list names, with the same value. The block's changes of keys the list does not change are then in
    /// <see cref="Unlisted"/>; applied after <see cref="Changes"/>, they make the block's own post-state.
    /// False as soon as a listed key has another value, or once the pass shows a listed key the block did
    /// not change (<see cref="Unmatched"/> names them).
    /// </summary>
    public bool Compare(ReadOnlySpan<StateChange> actual)
    {
        int comparison = ++_comparison;
        if (comparison == int.MaxValue)
        {
            Array.Clear(_matchedIn);
            _comparison = comparison = 1;
        }
        _unlistedCount = 0;
        int matched = 0;
        bool same = true;
        foreach (ref readonly var change in actual)
        {
            if (_positions.TryGetValue(change.Key, out int position))
            {
                if (_changes[position].Value != change.Value) same = false;
                _matchedIn[position] = comparison;
                matched++;
            }
            else
            {
                if (_unlisted.Length == _unlistedCount) Array.Resize(ref _unlisted, Math.Max(16, _unlisted.Length * 2));
                _unlisted[_unlistedCount++] = change;
            }
        }
        return same && matched == _count;
    }

    /// <summary>After <see cref="Compare"/>: the keys the list changes that the block did not.</summary>
    public List<StateKey> Unmatched()
    {
        var keys = new List<StateKey>();
        for (int i = 0; i < _count; i++)
        {
            if (_matchedIn[i] != _comparison) keys.Add(_changes[i].Key);
        }
        return keys;
    }
}
