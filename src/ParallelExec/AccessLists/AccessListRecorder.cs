using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// Builds a block's access list from its committed transaction outputs, in block order, as the block
/// overlay commits them (speculative outputs never reach it). Per transaction i (index i + 1): every
/// key it read or wrote marks its account accessed; a write whose post-value differs from the value
/// before the transaction is a change at i + 1; a storage slot read, or written with its unchanged
/// value, is a read unless some transaction changed it. Recording only: it allocates freely.
/// </summary>
internal sealed class AccessListRecorder
{
    private sealed class Account
    {
        public readonly Dictionary<UInt256, List<AccessListChange>> Storage = new();
        public readonly HashSet<UInt256> Reads = new();
        public readonly List<AccessListChange> Balance = new(), Nonce = new(), Code = new();
    }

    private readonly Dictionary<Address, Account> _accounts = new();
    private UInt256[] _preValues = new UInt256[16];

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
            var account = AccountOf(read.Key.Address);
            if (read.Key.Kind == StateKeyKind.Storage) account.Reads.Add(read.Key.Slot);
        }
        var writes = output.Writes;
        for (int w = 0; w < writes.Length; w++)
        {
            var key = writes[w].Key;
            var account = AccountOf(key.Address);
            committed.TryRead(key, txIndex + 1, out var post, out _);
            if (post.Equals(_preValues[w]))
            {
                if (key.Kind == StateKeyKind.Storage) account.Reads.Add(key.Slot);
                continue;
            }
            var change = new AccessListChange(index, post);
            switch (key.Kind)
            {
                case StateKeyKind.Balance: account.Balance.Add(change); break;
                case StateKeyKind.Nonce: account.Nonce.Add(change); break;
                case StateKeyKind.CodeHash: account.Code.Add(change); break;
                default:
                    if (!account.Storage.TryGetValue(key.Slot, out var list)) account.Storage[key.Slot] = list = new List<AccessListChange>();
                    list.Add(change);
                    break;
            }
        }
    }

    private Account AccountOf(Address address)
    {
        if (!_accounts.TryGetValue(address, out var account)) _accounts[address] = account = new Account();
        return account;
    }

    /// <summary>The access list of everything recorded, in EIP-7928 order.</summary>
    public BlockAccessList Build()
    {
        var addresses = _accounts.Keys.ToArray();
        Array.Sort(addresses);
        var result = new AccountChanges[addresses.Length];
        for (int a = 0; a < addresses.Length; a++)
        {
            var account = _accounts[addresses[a]];
            var slots = account.Storage.Keys.ToArray();
            Array.Sort(slots);
            var storage = new SlotChanges[slots.Length];
            for (int s = 0; s < slots.Length; s++) storage[s] = new SlotChanges(slots[s], account.Storage[slots[s]].ToArray());
            var reads = account.Reads.Where(slot => !account.Storage.ContainsKey(slot)).ToArray();
            Array.Sort(reads);
            result[a] = new AccountChanges(addresses[a], storage, reads,
                account.Balance.ToArray(), account.Nonce.ToArray(), account.Code.ToArray());
        }
        return new BlockAccessList(result);
    }
}
