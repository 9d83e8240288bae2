using System.Diagnostics;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// Checks one transaction's actual accesses against the block's access list, right after it ran
/// (on the worker that ran it): every key it read or wrote is named by the list; every write whose
/// post-value differs from the value before the transaction is listed at the transaction's index with
/// that post-value; every write that left the value unchanged is not. It counts the listed changes the
/// transaction made; that the list makes no other change is checked once for the block, by the sum of
/// those counts (each names a distinct listed change), and only a wrong sum costs a count per index
/// (<see cref="DescribeMissingChange"/> names what is missing). Marks what the transaction touched and wrote
/// (<see cref="AccessListMarks"/>), so that <see cref="FindUntouched"/> can find names no transaction
/// used and the result can be laid out from the marks. Allocation-free unless it fails.
/// </summary>
internal static class AccessListCheck
{
    /// <summary>
    /// Null when the output agrees with the list, else what disagrees (one line); <paramref name="changed"/>:
    /// the listed changes at the transaction's index that it made (all of them when the list is right).
    /// </summary>
    public static string? Check(TxOutput output, int txIndex, AccessListView view, AccessListMarks.WorkerMarks marks, out int changed)
    {
        changed = 0;
        ushort index = (ushort)(txIndex + 1);
        int position = 0;
        // A read keeps where the view found its key (the view this output ran on): no second lookup.
        foreach (ref readonly var read in output.Reads)
        {
            int key = read.Slot;
            Debug.Assert(key < 0 || view.Name(key).Equals(read.Key), "a read's slot comes from another view");
            if (key < 0) return $"transaction {txIndex} read {read.Key}, which the access list does not name";
            marks.Touch(key, txIndex, position++);
        }
        foreach (ref readonly var write in output.Writes)
        {
            // A credit carries its position from when it was resolved; a key the transaction read
            // first has it on the read (a scan of a few entries in cache); anything else is looked up.
            int key = write.Slot;
            if (key < 0)
            {
                int read = output.FindRead(write.Key);
                key = read >= 0 ? output.ReadAt(read).Slot : view.Position(write.Key);
            }
            if (key < 0) return $"transaction {txIndex} wrote {write.Key}, which the access list does not name";
            marks.Touch(key, txIndex, position++);
            marks.MarkWritten(key);
            var before = view.ValueBeforeAndOwnChange(key, txIndex, out int listed);
            if (!write.Value.Equals(before))
            {
                if (listed < 0)
                    return $"transaction {txIndex} changed {write.Key} to {write.Value.ToHexString()}, but the access list has no change to it at index {index}";
                if (!view.ChangeValue(listed).Equals(write.Value))
                    return $"transaction {txIndex} changed {write.Key} to {write.Value.ToHexString()}, but the access list says {view.ChangeValue(listed).ToHexString()} at index {index}";
                changed++;
            }
            else if (listed >= 0)
            {
                return $"transaction {txIndex} left {write.Key} at {before.ToHexString()}, but the access list changes it to {view.ChangeValue(listed).ToHexString()} at index {index}";
            }
        }
        return null;
    }

    /// <summary>The list changes more keys at the transaction's index than it did: names the first such key.</summary>
    public static string DescribeMissingChange(TxOutput output, int txIndex, AccessListView view)
    {
        ushort index = (ushort)(txIndex + 1);
        for (int k = 0; k < view.NamedCount; k++)
        {
            ref readonly var entry = ref view.EntryAt(k);
            for (int c = entry.Start; c < entry.Start + entry.Count; c++)
                if (view.ChangeIndex(c) == index && output.FindWrite(entry.Name) < 0)
                    return $"the access list changes {entry.Name} at index {index}, but transaction {txIndex} did not write it";
        }
        return $"the access list's changes at index {index} disagree with transaction {txIndex}";
    }

    /// <summary>After every transaction passed <see cref="Check"/> and the marks are merged: a listed account or read slot no transaction touched, or null.</summary>
    public static string? FindUntouched(AccessListView view, AccessListMarks marks)
    {
        // Over the view's arrays and the marks only: the list's objects are loaded for a message.
        long[] first = marks.FirstTouch;
        for (int a = 0, accounts = view.List.Accounts.Count; a < accounts; a++)
        {
            var (start, end) = view.KeysOf(a);
            bool touched = false;
            for (int k = start; k < end && !touched; k++) touched = first[k] != AccessListMarks.Untouched;
            if (!touched) return $"account {view.List.Accounts[a].Address} is in the access list, but no transaction accessed it";
            // An account's read slots are its last keys, in the list's order.
            for (int k = view.ReadKeysStart(a); k < end; k++)
                if (first[k] == AccessListMarks.Untouched)
                    return $"{view.Name(k)} is listed as read, but no transaction read it";
        }
        return null;
    }
}
