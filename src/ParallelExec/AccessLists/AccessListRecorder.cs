using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// Builds a block's access list from its committed transaction outputs, in block order, as the block
/// overlay commits them (speculative outputs never reach it). Per transaction i (index i + 1): every
/// key it read or wrote marks its account accessed; a write whose post-value differs from the value
/// before the transaction is a change at i + 1; a storage slot read, or written with its unchanged
/// value, is a read unless some transaction changed it.
/// </summary>
/// <remarks>
/// What is recorded stays flat until <see cref="Build"/> (an id per account, one record per change, a
/// set of slot reads) and is put in EIP-7928 order once, at the end. An executor keeps one recorder
/// and <see cref="Reset"/>s it per block, so these and <see cref="Build"/>'s scratch keep their
/// capacity: made anew they were megabytes of large objects a block, and large-object allocations
/// set off full collections (docs/performance.md, "Recording's memory").
/// </remarks>
internal sealed class AccessListRecorder
{
    private enum ChangeKind : byte { Storage, Balance, Nonce, Code }

    // Recorded in block order: a change's place in the list is the tie-break that keeps a location's
    // changes ascending by index.
    private readonly record struct Change(int Account, ChangeKind Kind, UInt256 Slot, AccessListChange Value);

    private readonly Dictionary<Address, int> _accountIds = new();
    private readonly List<Address> _addresses = new();
    private readonly List<Change> _changes = new();
    private readonly HashSet<(int Account, UInt256 Slot)> _slotReads = new();
    private UInt256[] _preValues = new UInt256[16];
    // Build's scratch, grown as blocks need it.
    private Address[] _sorted = [];
    private int[] _byAddress = [], _rank = [], _first = [], _next = [], _order = [];
    private (int Rank, UInt256 Slot)[] _reads = [];

    /// <summary>Forgets what was recorded, keeping the memory, for the next block.</summary>
    public void Reset()
    {
        _accountIds.Clear();
        _addresses.Clear();
        _changes.Clear();
        _slotReads.Clear();
    }

    private static Span<T> Scratch<T>(ref T[] array, int length)
    {
        if (array.Length < length) array = new T[Math.Max(length, array.Length * 2)];
        return array.AsSpan(0, length);
    }

    /// <summary>Remembers the value each of the output's writes will replace (call before committing it).</summary>
    public void CapturePreValues(IStateView committed, TxOutput output, int txIndex)
    {
        var writes = output.Writes;
        if (_preValues.Length < writes.Length) _preValues = new UInt256[Math.Max(writes.Length, _preValues.Length * 2)];
        for (int w = 0; w < writes.Length; w++) committed.TryRead(writes[w].Key, txIndex, out _preValues[w], out _);
    }

    /// <summary>Records a committed output (after <see cref="CapturePreValues"/> for the same output).</summary>
    public void Record(IStateView committed, TxOutput output, int txIndex)
    {
        if (txIndex >= ushort.MaxValue)
            throw new BlockAccessListException($"transaction {txIndex} has no block access index (EIP-7928 indexes are 16-bit)");
        ushort index = (ushort)(txIndex + 1);
        foreach (ref readonly var read in output.Reads)
        {
            int account = AccountOf(read.Key.Address);
            if (read.Key.Kind == StateKeyKind.Storage) _slotReads.Add((account, read.Key.Slot));
        }
        var writes = output.Writes;
        for (int w = 0; w < writes.Length; w++)
        {
            var key = writes[w].Key;
            int account = AccountOf(key.Address);
            committed.TryRead(key, txIndex + 1, out var post, out _);
            if (post.Equals(_preValues[w]))
            {
                if (key.Kind == StateKeyKind.Storage) _slotReads.Add((account, key.Slot));
                continue;
            }
            var kind = key.Kind switch
            {
                StateKeyKind.Balance => ChangeKind.Balance,
                StateKeyKind.Nonce => ChangeKind.Nonce,
                StateKeyKind.CodeHash => ChangeKind.Code,
                _ => ChangeKind.Storage,
            };
            _changes.Add(new Change(account, kind, kind == ChangeKind.Storage ? key.Slot : default, new AccessListChange(index, post)));
        }
    }

    private int AccountOf(in Address address)
    {
        if (!_accountIds.TryGetValue(address, out int id))
        {
            id = _addresses.Count;
            _accountIds.Add(address, id);
            _addresses.Add(address);
        }
        return id;
    }

    /// <summary>The access list of everything recorded, in EIP-7928 order.</summary>
    public BlockAccessList Build()
    {
        int accounts = _addresses.Count;
        // Account ids in address order, and each id's rank in it.
        var sorted = Scratch(ref _sorted, accounts);
        var byAddress = Scratch(ref _byAddress, accounts);
        var rank = Scratch(ref _rank, accounts);
        _addresses.CopyTo(sorted);
        for (int a = 0; a < accounts; a++) byAddress[a] = a;
        sorted.Sort(byAddress);
        for (int r = 0; r < accounts; r++) rank[byAddress[r]] = r;

        // The changes grouped by account in address order, each account's kept in recording order
        // (a counting sort: a block's changes are mostly one or two per account), then each
        // account's few put in order of kind, slot and recording.
        var changes = _changes;
        var first = Scratch(ref _first, accounts + 1);
        first.Clear();
        foreach (var change in changes) first[rank[change.Account] + 1]++;
        for (int r = 0; r < accounts; r++) first[r + 1] += first[r];
        var next = Scratch(ref _next, accounts);
        first[..accounts].CopyTo(next);
        var order = Scratch(ref _order, changes.Count);
        for (int c = 0; c < changes.Count; c++) order[next[rank[changes[c].Account]]++] = c;
        Comparison<int> byLocation = (x, y) =>
        {
            var a = changes[x];
            var b = changes[y];
            int c = a.Kind.CompareTo(b.Kind);
            if (c == 0) c = a.Slot.CompareTo(b.Slot);
            return c != 0 ? c : x.CompareTo(y);
        };

        var reads = Scratch(ref _reads, _slotReads.Count);
        int n = 0;
        foreach (var (account, slot) in _slotReads) reads[n++] = (rank[account], slot);
        reads.Sort();

        var result = new AccountChanges[accounts];
        var slotChanges = new List<SlotChanges>();
        var slotReads = new List<UInt256>();
        var values = new List<AccessListChange>();
        var balance = new List<AccessListChange>();
        var nonce = new List<AccessListChange>();
        var code = new List<AccessListChange>();
        int s = 0;
        for (int r = 0; r < accounts; r++)
        {
            slotChanges.Clear();
            balance.Clear();
            nonce.Clear();
            code.Clear();
            var range = order.Slice(first[r], first[r + 1] - first[r]);
            if (range.Length > 1) range.Sort(byLocation);
            for (int i = 0; i < range.Length;)
            {
                var change = changes[range[i]];
                if (change.Kind == ChangeKind.Storage)
                {
                    values.Clear();
                    for (; i < range.Length && changes[range[i]] is { Kind: ChangeKind.Storage } same && same.Slot.Equals(change.Slot); i++)
                        values.Add(same.Value);
                    slotChanges.Add(new SlotChanges(change.Slot, values.ToArray()));
                    continue;
                }
                (change.Kind switch { ChangeKind.Balance => balance, ChangeKind.Nonce => nonce, _ => code }).Add(change.Value);
                i++;
            }
            // Slots read and never changed (both lists ascending by slot).
            slotReads.Clear();
            int changed = 0;
            for (; s < reads.Length && reads[s].Rank == r; s++)
            {
                var slot = reads[s].Slot;
                while (changed < slotChanges.Count && slotChanges[changed].Slot.CompareTo(slot) < 0) changed++;
                if (changed < slotChanges.Count && slotChanges[changed].Slot.Equals(slot)) continue;
                slotReads.Add(slot);
            }
            result[r] = new AccountChanges(sorted[r], slotChanges.ToArray(), slotReads.ToArray(), balance.ToArray(), nonce.ToArray(), code.ToArray());
        }
        return new BlockAccessList(result);
    }
}
