using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>
/// One worker's software prefetch of what its next transactions will read from the access list
/// view. A read is three dependent loads, each a likely cache miss on a large block (the key table's
/// line, the key's entry, its changes), and a transaction of about a microsecond waits on each. So
/// the worker, as it starts each transaction, names the keys of the one three ahead
/// (<see cref="ITransaction.AppendLikelyKeys"/>, hashed once) and starts loading their table lines,
/// finds the keys of the one two ahead by their hashes in those lines and starts loading their entries
/// (and the worker's marks of them, which its check of the transaction reads and writes),
/// and starts loading the changes of the next one's: each load overlaps a transaction's execution
/// instead of stalling it. Only a prefetch: a transaction's likely keys that are wrong, absent from
/// the list or whose listing throws cost a few wasted loads, never a different result.
/// </summary>
internal sealed class ViewPrefetcher
{
    private const int Distance = 3;
    // Keys taken per transaction: a transfer names three, a swap five.
    private const int MaxKeys = 8;

    private enum Stage : byte { Hashed, Found, Done }

    private sealed class Pending
    {
        public readonly StateKey[] Keys = new StateKey[MaxKeys];
        public readonly int[] HashOrPosition = new int[MaxKeys];
        public int Count;
        public Stage Stage;
    }

    private readonly Pending[] _ring = new Pending[Distance];
    private readonly LikelyKeyBuffer _likely = new(MaxKeys);
    private AccessListView _view = null!;
    private AccessListMarks.WorkerMarks _marks = null!;
    private IReadOnlyList<ITransaction> _txs = [];
    private int _end;

    /// <summary>Likely keys found in the list so far (their entries were loaded ahead): what tests check.</summary>
    public long Found { get; private set; }

    public ViewPrefetcher()
    {
        for (int i = 0; i < Distance; i++) _ring[i] = new Pending();
    }

    /// <summary>
    /// Starts a run of consecutive transactions [<paramref name="first"/>, <paramref name="end"/>) of
    /// <paramref name="txs"/>, checked into <paramref name="marks"/>: names the keys of its first ones
    /// and starts loading their table lines.
    /// </summary>
    public void Begin(AccessListView view, AccessListMarks.WorkerMarks marks, IReadOnlyList<ITransaction> txs, int first, int end)
    {
        _view = view;
        _marks = marks;
        _txs = txs;
        _end = end;
        for (int i = first; i < first + Distance; i++) Name(i);
    }

    /// <summary>Called as transaction <paramref name="i"/> of the run starts: moves every transaction ahead of it one step on.</summary>
    public void Advance(int i)
    {
        var next = _ring[(i + 1) % Distance];
        if (next.Stage == Stage.Hashed) Find(next);
        else if (next.Stage == Stage.Found) LoadChanges(next);
        var after = _ring[(i + 2) % Distance];
        if (after.Stage == Stage.Hashed) Find(after);
        Name(i + Distance);
    }

    // Names transaction i's likely keys and starts loading their table lines (its ring place is free:
    // the transaction that held it is the one starting now).
    private void Name(int i)
    {
        var pending = _ring[i % Distance];
        pending.Count = 0;
        pending.Stage = Stage.Done;
        if (i >= _end) return;
        var likely = _likely.Collect(_txs[i]);
        for (int k = 0; k < likely.Length; k++)
        {
            int hash = NamedKeyTable.HashOf(likely[k]);
            pending.Keys[k] = likely[k];
            pending.HashOrPosition[k] = hash;
            _view.PrefetchTableLine(hash);
        }
        pending.Count = likely.Length;
        pending.Stage = Stage.Hashed;
    }

    private void Find(Pending pending)
    {
        for (int k = 0; k < pending.Count; k++)
        {
            // By the hash alone: comparing the key would wait on the very entry this starts loading.
            int position = _view.GuessPosition(pending.Keys[k], pending.HashOrPosition[k]);
            pending.HashOrPosition[k] = position;
            if (position < 0) continue;
            _view.PrefetchEntry(position);
            _marks.Prefetch(position);
            Found++;
        }
        pending.Stage = Stage.Found;
    }

    private void LoadChanges(Pending pending)
    {
        for (int k = 0; k < pending.Count; k++)
            if (pending.HashOrPosition[k] is >= 0 and var position) _view.PrefetchChanges(position);
        pending.Stage = Stage.Done;
    }
}
