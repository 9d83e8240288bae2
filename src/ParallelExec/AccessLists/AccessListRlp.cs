using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// EIP-7928's RLP form: <c>[[address, [[slot, [[index, value]…]]…], [slot…], [[index, balance]…],
/// [[index, nonce]…], [[index, code]…]]…]</c>. Integers (slots, indexes, values) are minimal
/// big-endian strings; the code of a change is this engine's code-hash word as 32 bytes, or empty
/// for zero. Decoding is strict: canonical RLP only (<see cref="RlpReader"/>), exact field counts and
/// widths, then <see cref="AccessListStructure"/>'s ordering rules.
/// </summary>
internal static class AccessListRlp
{
    private const int CodeHashSize = 32;

    public static byte[] Encode(BlockAccessList list)
    {
        int payload = 0;
        foreach (var account in list.Accounts) payload += RlpWriter.LengthOfList(AccountPayload(account));
        var output = new byte[RlpWriter.LengthOfList(payload)];
        int at = RlpWriter.WriteListHeader(output, payload);
        foreach (var account in list.Accounts) at += WriteAccount(output.AsSpan(at), account);
        return output;
    }

    private static int AccountPayload(AccountChanges account)
    {
        int slots = 0;
        foreach (var slot in account.StorageChanges) slots += RlpWriter.LengthOfList(SlotPayload(slot));
        int reads = 0;
        foreach (var read in account.StorageReads) reads += RlpWriter.LengthOf(read);
        return 1 + Address.Size + RlpWriter.LengthOfList(slots) + RlpWriter.LengthOfList(reads)
            + RlpWriter.LengthOfList(ChangesPayload(account.BalanceChanges, isCode: false))
            + RlpWriter.LengthOfList(ChangesPayload(account.NonceChanges, isCode: false))
            + RlpWriter.LengthOfList(ChangesPayload(account.CodeChanges, isCode: true));
    }

    private static int SlotPayload(SlotChanges slot) =>
        RlpWriter.LengthOf(slot.Slot) + RlpWriter.LengthOfList(ChangesPayload(slot.Changes, isCode: false));

    private static int ChangesPayload(AccessListChange[] changes, bool isCode)
    {
        int total = 0;
        foreach (var change in changes) total += RlpWriter.LengthOfList(ChangePayload(change, isCode));
        return total;
    }

    private static int ChangePayload(in AccessListChange change, bool isCode) =>
        RlpWriter.LengthOf(change.Index) + (isCode ? CodeLength(change.Value) : RlpWriter.LengthOf(change.Value));

    private static int CodeLength(in UInt256 codeHash) => codeHash.IsZero ? 1 : 1 + CodeHashSize;

    private static int WriteAccount(Span<byte> output, AccountChanges account)
    {
        int at = RlpWriter.WriteListHeader(output, AccountPayload(account));
        Span<byte> address = stackalloc byte[Address.Size];
        account.Address.WriteTo(address);
        at += RlpWriter.WriteString(output[at..], address);
        int slots = 0;
        foreach (var slot in account.StorageChanges) slots += RlpWriter.LengthOfList(SlotPayload(slot));
        at += RlpWriter.WriteListHeader(output[at..], slots);
        foreach (var slot in account.StorageChanges)
        {
            at += RlpWriter.WriteListHeader(output[at..], SlotPayload(slot));
            at += RlpWriter.Write(output[at..], slot.Slot);
            at += WriteChanges(output[at..], slot.Changes, isCode: false);
        }
        int reads = 0;
        foreach (var read in account.StorageReads) reads += RlpWriter.LengthOf(read);
        at += RlpWriter.WriteListHeader(output[at..], reads);
        foreach (var read in account.StorageReads) at += RlpWriter.Write(output[at..], read);
        at += WriteChanges(output[at..], account.BalanceChanges, isCode: false);
        at += WriteChanges(output[at..], account.NonceChanges, isCode: false);
        at += WriteChanges(output[at..], account.CodeChanges, isCode: true);
        return at;
    }

    private static int WriteChanges(Span<byte> output, AccessListChange[] changes, bool isCode)
    {
        int at = RlpWriter.WriteListHeader(output, ChangesPayload(changes, isCode));
        Span<byte> word = stackalloc byte[CodeHashSize];
        foreach (var change in changes)
        {
            at += RlpWriter.WriteListHeader(output[at..], ChangePayload(change, isCode));
            at += RlpWriter.Write(output[at..], change.Index);
            if (!isCode) at += RlpWriter.Write(output[at..], change.Value);
            else if (change.Value.IsZero) output[at++] = RlpWriter.EmptyString;
            else
            {
                change.Value.WriteBigEndian(word);
                at += RlpWriter.WriteString(output[at..], word);
            }
        }
        return at;
    }

    public static BlockAccessList Decode(ReadOnlySpan<byte> rlp, AccessListLimits? limits)
    {
        limits ??= AccessListLimits.Default;
        if (rlp.Length > limits.MaxBytes)
            throw new BlockAccessListException($"block access list of {rlp.Length} bytes exceeds the limit of {limits.MaxBytes} bytes");
        var accounts = new List<AccountChanges>();
        string where = "block access list";
        try
        {
            var outer = new RlpReader(rlp);
            var list = outer.ReadList();
            outer.EnsureEnd();
            while (list.HasMore)
            {
                where = $"block access list account {accounts.Count}";
                accounts.Add(ReadAccount(list.ReadList(), ref where));
            }
        }
        catch (RlpException e)
        {
            throw new BlockAccessListException($"{where}: malformed RLP: {e.Message}", e);
        }
        return new BlockAccessList(accounts.ToArray());
    }

    private static AccountChanges ReadAccount(RlpReader fields, ref string where)
    {
        var addressBytes = fields.ReadString();
        if (addressBytes.Length != Address.Size) throw new RlpException($"address has {addressBytes.Length} bytes, not {Address.Size}");
        var address = new Address(addressBytes);
        where += $" ({address})";
        var slotList = fields.ReadList();
        var slots = new List<SlotChanges>();
        while (slotList.HasMore)
        {
            var pair = slotList.ReadList();
            var slot = pair.ReadUInt256();
            var changes = ReadChanges(pair.ReadList(), isCode: false);
            pair.EnsureEnd();
            slots.Add(new SlotChanges(slot, changes));
        }
        var readList = fields.ReadList();
        var reads = new List<UInt256>();
        while (readList.HasMore) reads.Add(readList.ReadUInt256());
        var balances = ReadChanges(fields.ReadList(), isCode: false);
        var nonces = ReadChanges(fields.ReadList(), isCode: false);
        var codes = ReadChanges(fields.ReadList(), isCode: true);
        if (fields.HasMore) throw new RlpException("an account has more than 6 fields");
        return new AccountChanges(address, slots.ToArray(), reads.ToArray(), balances, nonces, codes);
    }

    private static AccessListChange[] ReadChanges(RlpReader list, bool isCode)
    {
        var changes = new List<AccessListChange>();
        while (list.HasMore)
        {
            var pair = list.ReadList();
            ulong index = pair.ReadUInt64();
            if (index > ushort.MaxValue) throw new RlpException($"block access index {index} does not fit in 16 bits");
            UInt256 value;
            if (!isCode) value = pair.ReadUInt256();
            else
            {
                var code = pair.ReadString();
                if (code.Length != 0 && code.Length != CodeHashSize)
                    throw new RlpException($"code change of {code.Length} bytes is not a {CodeHashSize}-byte code hash");
                value = UInt256.FromBigEndian(code);
                if (code.Length == CodeHashSize && value.IsZero) throw new RlpException("a zero code hash must be encoded as empty code");
            }
            pair.EnsureEnd();
            changes.Add(new AccessListChange((ushort)index, value));
        }
        return changes.ToArray();
    }
}
