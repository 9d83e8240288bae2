using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// The Ethereum world-state commitment over the flat state: an account trie (secure, keyed by
/// keccak256(address), values RLP([nonce, balance, storageRoot, codeHash])) and one storage trie per
/// contract (secure, keyed by keccak256(slot), values RLP(value without leading zeros); a zero value
/// deletes the slot). An account exists when any of its fields is present (even as zero) or it has a
/// non-zero slot. <see cref="Apply(ReadOnlySpan{StateChange}, int)"/> records a block's changes; <see cref="ComputeRoot(int)"/> re-hashes
/// only the touched storage tries and account paths. Not thread-safe: one writer at a time.
/// </summary>
public sealed partial class StateTrie
{
    private MerklePatriciaTrie _accounts = new();
    private AccountTable _byAddress = new();
    private readonly List<StateAccount> _dirty = new();
    private long _otherHashes; // key hashes (addresses, slots) and storage-trie node hashes
    private Hash256 _root = MerklePatriciaTrie.EmptyRoot;

    /// <summary>Accounts per parallel task when paths are computed for a whole state.</summary>
    private const int PathRange = 4096;

    /// <summary>An empty state trie.</summary>
    public StateTrie()
    {
    }

    /// <summary>
    /// Whether the tries log the places their stored nodes leave (deleted, moved by a collapse or a
    /// split, or re-encoded under 32 bytes), so that <see cref="ComputeRoot(int, TrieNodeSet)"/> and
    /// <see cref="ComputeRootForCheckpoint(int, TrieNodeSet)"/> append a removal record
    /// (<see cref="TrieNodeRecord.IsRemoval"/>) for each: what a store keyed by (owner, path) needs to
    /// hold exactly the current nodes. Logged places accumulate until a node set takes them. Off by
    /// default (a store keyed by hash has no use for them); turn it on before the first change.
    /// </summary>
    public bool RecordsRemovals
    {
        get => _recordsRemovals;
        set
        {
            _recordsRemovals = value;
            _accounts.RecordsRemovals = value;
            foreach (var account in _byAddress.Accounts())
            {
                if (account.Storage is { } storage) storage.RecordsRemovals = value;
            }
        }
    }

    private bool _recordsRemovals;

    /// <summary>Keccak-256 computations so far: address and slot hashes plus every trie node hash.</summary>
    public long HashCount => Interlocked.Read(ref _otherHashes) + _accounts.HashCount;

    /// <summary>
    /// Accounts in the account trie as of the last <see cref="ComputeRoot(int)"/>. Not known for a trie
    /// opened from a node source (<see cref="Open"/>): that throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public int AccountCount => _accounts.Count;

    /// <summary>Builds the tries for a whole state and hashes them.</summary>
    public static StateTrie FromState(IEnumerable<KeyValuePair<StateKey, UInt256>> entries, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var trie = new StateTrie();
        var slots = new Dictionary<StateAccount, List<(UInt256 Slot, UInt256 Value)>>();
        foreach (var (key, value) in entries)
        {
            var account = trie.GetOrAdd(key.Address);
            if (key.Kind == StateKeyKind.Storage)
            {
                if (value.IsZero) continue;
                if (!slots.TryGetValue(account, out var list)) slots[account] = list = new();
                list.Add((key.Slot, value));
            }
            else
            {
                SetField(account, key, value);
            }
        }

        var accounts = trie._dirty;
        long hashes = 0;
        if (degreeOfParallelism > 1)
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism };
            Parallel.ForEach(Partitioner.Create(0, accounts.Count, PathRange), options, () => 0L, (range, _, local) =>
            {
                StateAccount.ComputePaths(CollectionsMarshal.AsSpan(accounts)[range.Item1..range.Item2], ref local);
                return local;
            }, local => Interlocked.Add(ref hashes, local));
            var withStorage = slots.ToArray();
            Parallel.For(0, withStorage.Length, options, () => 0L, (i, _, local) =>
            {
                var (account, list) = withStorage[i];
                foreach (var (slot, value) in list) trie.SetSlot(account, slot, value, ref local);
                return local;
            }, local => Interlocked.Add(ref hashes, local));
        }
        else
        {
            StateAccount.ComputePaths(CollectionsMarshal.AsSpan(accounts), ref hashes);
            foreach (var (account, list) in slots)
            {
                foreach (var (slot, value) in list) trie.SetSlot(account, slot, value, ref hashes);
            }
        }
        trie._otherHashes += hashes;
        trie.ComputeRoot(degreeOfParallelism);
        return trie;
    }

    /// <summary>
    /// Records a block's final changes. Only the accounts touched are marked; their storage tries
    /// and account-trie paths are updated and re-hashed by the next <see cref="ComputeRoot(int)"/>.
    /// </summary>
    public void Apply(ReadOnlySpan<StateChange> changes) => Apply(changes, 1);

    /// <summary>
    /// <see cref="Apply(ReadOnlySpan{StateChange})"/>; on a trie over a node store, the accounts not in
    /// memory are first loaded on up to <paramref name="degreeOfParallelism"/> threads (<see cref="LoadAccounts"/>).
    /// </summary>
    public void Apply(ReadOnlySpan<StateChange> changes, int degreeOfParallelism) => Apply(changes, degreeOfParallelism, null);

    /// <summary>
    /// <see cref="Apply(ReadOnlySpan{StateChange}, int)"/>, given what the keys held before the
    /// changes as far as the caller knows (<paramref name="valuesBefore"/>: whether each existed and its
    /// value, such as a block's reads of the flat state, which hold the state the trie holds). An
    /// account loaded from the node source with fields there has its leaf built from
    /// them (a field not there taken as absent, the storage as empty), taken instead of read when it
    /// hashes to what its parent names (<see cref="MerklePatriciaTrie.TryGet{TLikely}(ReadOnlySpan{byte}, out ReadOnlySpan{byte}, TLikely)"/>):
    /// values that are wrong or stale only cost the read they would have saved.
    /// </summary>
    public void Apply(ReadOnlySpan<StateChange> changes, int degreeOfParallelism, IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? valuesBefore)
    {
        _valuesBefore = valuesBefore;
        try
        {
            ApplyChanges(changes, degreeOfParallelism);
        }
        finally
        {
            _valuesBefore = null;
        }
    }

    private void ApplyChanges(ReadOnlySpan<StateChange> changes, int degreeOfParallelism)
    {
        foreach (var change in changes)
        {
            if (change.Key.Kind == StateKeyKind.Nonce && !change.Value.FitsInUInt64)
            {
                throw new ArgumentException($"nonce of {change.Key.Address} does not fit in 64 bits: {change.Value.ToHexString()}", nameof(changes));
            }
        }
        LoadAccounts(changes, degreeOfParallelism);
        long hashes = 0;
        try
        {
            LoadSlots(changes, degreeOfParallelism);
            var slotPaths = _slotPaths;
            for (int i = 0; i < changes.Length; i++)
            {
                // Prefetch ahead: a later change's slot, and a nearer one's account (its slot is in by now).
                if (i + SlotLookahead < changes.Length) _byAddress.PrefetchSlot(changes[i + SlotLookahead].Key.Address);
                if (i + AccountLookahead < changes.Length) _byAddress.PrefetchAccount(changes[i + AccountLookahead].Key.Address);
                ref readonly var change = ref changes[i];
                var key = change.Key;
                var account = GetOrAdd(key.Address);
                account.ComputePath(ref hashes);
                if (key.Kind != StateKeyKind.Storage) SetField(account, key, change.Value);
                else if (i < slotPaths.Length && slotPaths[i] is { } path) SetSlot(account, path, change.Value); // hashed by LoadSlots
                else SetSlot(account, key.Slot, change.Value, ref hashes);
            }
        }
        finally
        {
            Array.Clear(_slotPaths, 0, Math.Min(_slotPaths.Length, changes.Length)); // the leaves keep what they need
        }
        _otherHashes += hashes;
    }

    /// <summary>How many changes ahead <see cref="Apply(ReadOnlySpan{StateChange}, int)"/> prefetches an account's slot, and the account.</summary>
    private const int SlotLookahead = 16, AccountLookahead = 8;

    /// <summary>
    /// The state root. Touched storage tries are re-hashed (on several threads when
    /// <paramref name="degreeOfParallelism"/> &gt; 1), their roots flow into the touched account
    /// leaves, then the account trie's dirty paths are re-hashed.
    /// </summary>
    public Hash256 ComputeRoot(int degreeOfParallelism = 1) => ComputeRoot(degreeOfParallelism, null);

    /// <summary>
    /// Like <see cref="ComputeRoot(int)"/>, and appends to <paramref name="newNodes"/> (when given) every
    /// storage-trie and account-trie node this computation hashed: the nodes the block changed,
    /// including those an insertion pushed one level down (their RLP, and so their hash, changes
    /// although no touched key runs through them), and each changed trie's root even when its RLP is
    /// shorter than 32 bytes. The hashing hands each node over as it hashes it (see
    /// <see cref="TrieHashQueue"/>): nothing is walked or encoded again. The order of the nodes is
    /// unspecified.
    /// </summary>
    public Hash256 ComputeRoot(int degreeOfParallelism, TrieNodeSet? newNodes)
    {
        NextGeneration();
        if (_dirty.Count == 0) return _root;
        HashStorageTries(degreeOfParallelism, newNodes);
        UpdateAccountTrie(degreeOfParallelism, hashSubtries: true, newNodes);
        _root = _accounts.ComputeRoot(degreeOfParallelism, newNodes);
        return _root;
    }

    /// <summary>Writes the touched accounts (with their new storage roots) into the account trie, unhashed.</summary>
    [SkipLocalsInit]
    private void UpdateAccountTrie(int degreeOfParallelism, bool hashSubtries, TrieNodeSet? export = null)
    {
        // Deletions first, one by one (they may collapse the root); then the changed accounts' leaves,
        // whose subtries under the root's sixteen children are filled on several threads.
        long hashes = 0;
        int sets = 0;
        EnsureSetScratch(_dirty.Count);
        var dirty = CollectionsMarshal.AsSpan(_dirty);
        for (int i = 0; i < dirty.Length; i++)
        {
            // The accounts, then (once an account is in) the path array the leaf will keep.
            if (i + AccountLookahead < dirty.Length) Prefetch.Object(dirty[i + AccountLookahead]);
            if (i + AccountLookahead / 2 < dirty.Length) Prefetch.Object(dirty[i + AccountLookahead / 2].Path);
            var account = dirty[i];
            account.Dirty = false;
            account.ComputePath(ref hashes);
            if (account.Exists)
            {
                int offset = sets * StateAccount.MaxEncodedLength;
                _setKeys[sets] = account.Path!;
                _setOffsets[sets] = offset;
                _setLengths[sets] = account.Encode(_setValues.AsSpan(offset, StateAccount.MaxEncodedLength));
                sets++;
                account.InTrie = true;
            }
            else if (account.InTrie)
            {
                _accounts.Delete(account.Path);
                account.InTrie = false;
            }
        }
        _accounts.SetMany(_setKeys, _setValues, _setOffsets, _setLengths, sets, degreeOfParallelism, hashSubtries, export);
        Array.Clear(_setKeys, 0, sets); // do not keep paths of accounts that may be dropped
        _dirty.Clear();
        _otherHashes += hashes;
    }

    // Scratch for the leaves ComputeRoot sets: kept across blocks, grown to the largest block.
    private byte[][] _setKeys = [];
    private byte[] _setValues = [];
    private int[] _setOffsets = [];
    private int[] _setLengths = [];

    private void EnsureSetScratch(int count)
    {
        if (_setKeys.Length >= count) return;
        _setKeys = new byte[count][];
        _setValues = new byte[count * StateAccount.MaxEncodedLength];
        _setOffsets = new int[count];
        _setLengths = new int[count];
    }

    private void HashStorageTries(int degreeOfParallelism, TrieNodeSet? export = null)
    {
        var touched = new List<MerklePatriciaTrie>();
        foreach (var account in _dirty)
        {
            if (!account.StorageDirty) continue;
            account.StorageDirty = false;
            if (account.Storage is null) continue;
            BeforeStorageHashed(account, account.Storage);
            touched.Add(account.Storage);
        }
        if (touched.Count == 0) return;
        long before = 0;
        foreach (var storage in touched) before += storage.HashCount;
        if (degreeOfParallelism > 1 && touched.Count >= degreeOfParallelism)
        {
            Parallel.For(0, touched.Count, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism },
                i => touched[i].ComputeRoot(1, export, concurrent: true));
        }
        else
        {
            // Few tries: let each one use the threads for its own subtrees.
            foreach (var storage in touched) storage.ComputeRoot(degreeOfParallelism, export);
        }
        long after = 0;
        foreach (var storage in touched) after += storage.HashCount;
        _otherHashes += after - before;
    }

    private StateAccount GetOrAdd(Address address)
    {
        var account = FindOrLoad(address);
        if (!account.Dirty)
        {
            account.Dirty = true;
            _dirty.Add(account);
        }
        return account;
    }

    private static void SetField(StateAccount account, in StateKey key, in UInt256 value)
    {
        account.HasFields = true;
        switch (key.Kind)
        {
            case StateKeyKind.Nonce:
                if (!value.FitsInUInt64) throw new ArgumentException($"nonce of {key.Address} does not fit in 64 bits: {value.ToHexString()}");
                account.Nonce = value.U0;
                break;
            case StateKeyKind.Balance:
                account.Balance = value;
                break;
            case StateKeyKind.CodeHash:
                account.CodeHash = value;
                break;
        }
    }

    /// <summary>An empty storage trie for <paramref name="account"/> (whose path is computed), set up like the account trie.</summary>
    private MerklePatriciaTrie NewStorageTrie(StateAccount account)
    {
        var storage = new MerklePatriciaTrie(account.Path!) { RecordsRemovals = _recordsRemovals };
        if (_nodes is not null) storage.UseSource(_nodes);
        return storage;
    }

    [SkipLocalsInit]
    private void SetSlot(StateAccount account, in UInt256 slot, in UInt256 value, ref long hashes)
    {
        Span<byte> slotBytes = stackalloc byte[32];
        Span<byte> path = stackalloc byte[32];
        slot.WriteBigEndian(slotBytes);
        Keccak256.Compute(slotBytes, path);
        hashes++;
        SetSlot(account, path, null, value);
    }

    /// <summary>Sets the slot whose storage-trie key is <paramref name="path"/> (kept by a new leaf: never changed after).</summary>
    private void SetSlot(StateAccount account, byte[] path, in UInt256 value) => SetSlot(account, path, path, value);

    [SkipLocalsInit]
    private void SetSlot(StateAccount account, ReadOnlySpan<byte> path, byte[]? ownedPath, in UInt256 value)
    {
        if (value.IsZero)
        {
            if (account.Storage is not null && account.Storage.Delete(path)) account.StorageDirty = true;
            return;
        }
        Span<byte> encoded = stackalloc byte[33];
        int length = RlpWriter.Write(encoded, value);
        account.Storage ??= NewStorageTrie(account);
        if (ownedPath is not null) account.Storage.Set(ownedPath, encoded[..length]);
        else account.Storage.Set(path, encoded[..length]);
        account.StorageDirty = true;
    }
}
