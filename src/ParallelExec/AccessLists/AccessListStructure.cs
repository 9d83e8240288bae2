using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// EIP-7928's ordering and uniqueness rules, checked once wherever a list is built (decoded, parsed,
/// recorded): accounts strictly ascending by address; changed slots strictly ascending, each with at
/// least one change; read slots strictly ascending and never also changed; every change list strictly
/// ascending by index; nonces within 64 bits (EIP-7928's <c>uint64</c>).
/// </summary>
internal static class AccessListStructure
{
    public static void Validate(AccountChanges[] accounts)
    {
        for (int a = 0; a < accounts.Length; a++)
        {
            var account = accounts[a] ?? throw Error(a, null, "is null");
            if (a > 0 && accounts[a - 1].Address.CompareTo(account.Address) >= 0)
                throw Error(a, account, accounts[a - 1].Address.Equals(account.Address) ? "duplicates the previous account" : "is out of order (accounts must ascend by address)");
            if (account.StorageChanges is null || account.StorageReads is null || account.BalanceChanges is null
                || account.NonceChanges is null || account.CodeChanges is null)
                throw Error(a, account, "has a null list");
            var slots = account.StorageChanges;
            for (int s = 0; s < slots.Length; s++)
            {
                if (slots[s] is not { Changes: not null } slot) throw Error(a, account, $"storage change {s} is null");
                if (s > 0 && slots[s - 1].Slot.CompareTo(slot.Slot) >= 0)
                    throw Error(a, account, $"storage slot {slot.Slot.ToHexString()} is out of order or duplicated");
                if (slot.Changes.Length == 0) throw Error(a, account, $"storage slot {slot.Slot.ToHexString()} has no changes");
                if (FirstDisorder(slot.Changes) is int bad and >= 0)
                    throw Error(a, account, $"storage slot {slot.Slot.ToHexString()}: index {slot.Changes[bad].Index} is out of order or duplicated");
            }
            var reads = account.StorageReads;
            for (int r = 0; r < reads.Length; r++)
            {
                if (r > 0 && reads[r - 1].CompareTo(reads[r]) >= 0)
                    throw Error(a, account, $"storage read {reads[r].ToHexString()} is out of order or duplicated");
                if (FindSlot(slots, reads[r]) >= 0)
                    throw Error(a, account, $"storage slot {reads[r].ToHexString()} is both changed and read");
            }
            CheckIndexes(account.BalanceChanges, a, account, "balance changes");
            CheckIndexes(account.NonceChanges, a, account, "nonce changes");
            foreach (var nonce in account.NonceChanges)
                if (!nonce.Value.FitsInUInt64) throw Error(a, account, $"nonce change at index {nonce.Index} does not fit in 64 bits");
            CheckIndexes(account.CodeChanges, a, account, "code changes");
        }
    }

    /// <summary>Position of <paramref name="slot"/> in ascending <paramref name="slots"/>, or -1.</summary>
    public static int FindSlot(SlotChanges[] slots, in UInt256 slot)
    {
        int lo = 0, hi = slots.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = slots[mid].Slot.CompareTo(slot);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    private static void CheckIndexes(AccessListChange[] changes, int a, AccountChanges account, string what)
    {
        if (FirstDisorder(changes) is int bad and >= 0)
            throw Error(a, account, $"{what}: index {changes[bad].Index} is out of order or duplicated");
    }

    // The first change whose index does not ascend strictly, or -1.
    private static int FirstDisorder(AccessListChange[] changes)
    {
        for (int i = 1; i < changes.Length; i++)
            if (changes[i - 1].Index >= changes[i].Index) return i;
        return -1;
    }

    private static BlockAccessListException Error(int index, AccountChanges? account, string problem) =>
        new($"block access list account {index}{(account is null ? "" : $" ({account.Address})")}: {problem}");
}
