namespace ParallelExec.AccessLists;

/// <summary>
/// What the transactions of a block did to the keys its access list names, marked by the workers as
/// they check each transaction (<see cref="AccessListCheck"/>): which accounts and read slots were
/// touched (a name nobody used makes the list wrong), which keys were written, and where the block
/// first touched each key — transaction, then position within it — so that the result's keys can be
/// laid out in first-touch order without a serial pass over the outputs. Marks are idempotent or
/// minimums, so workers set them without locks; each is written only when it changes, so a key every
/// transaction touches (a fee beneficiary) does not bounce between cores. Reused across blocks.
/// </summary>
internal sealed class AccessListMarks
{
    /// <summary>Not touched.</summary>
    public const long Untouched = long.MaxValue;

    public byte[] AccountTouched { get; private set; } = [];
    public byte[] ReadTouched { get; private set; } = [];
    /// <summary>Per named key: (transaction &lt;&lt; 32) | position of its first touch, or <see cref="Untouched"/>.</summary>
    public long[] FirstTouch { get; private set; } = [];
    /// <summary>Per named key: 1 when some transaction wrote it (even with the value it had).</summary>
    public byte[] Written { get; private set; } = [];

    public void Reset(AccessListView view)
    {
        AccountTouched = Cleared(AccountTouched, view.List.Accounts.Count);
        ReadTouched = Cleared(ReadTouched, view.ReadCount);
        Written = Cleared(Written, view.NamedCount);
        if (FirstTouch.Length < view.NamedCount) FirstTouch = new long[Math.Max(view.NamedCount, FirstTouch.Length * 2)];
        Array.Fill(FirstTouch, Untouched, 0, view.NamedCount);
    }

    /// <summary>Transaction <paramref name="txIndex"/> touched named key <paramref name="key"/> at <paramref name="position"/> of its reads-then-writes.</summary>
    public void Touch(int key, in ListedKey entry, int txIndex, int position)
    {
        if (AccountTouched[entry.Account] == 0) AccountTouched[entry.Account] = 1;
        if (entry.Read >= 0 && ReadTouched[entry.Read] == 0) ReadTouched[entry.Read] = 1;
        long touch = ((long)txIndex << 32) | (uint)position;
        ref long first = ref FirstTouch[key];
        long seen = Volatile.Read(ref first);
        while (touch < seen)
        {
            long was = Interlocked.CompareExchange(ref first, touch, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>Named key <paramref name="key"/> was written.</summary>
    public void MarkWritten(int key)
    {
        if (Written[key] == 0) Written[key] = 1;
    }

    private static byte[] Cleared(byte[] array, int length)
    {
        if (array.Length < length) return new byte[Math.Max(length, array.Length * 2)];
        Array.Clear(array, 0, length);
        return array;
    }
}
