using System.Runtime.CompilerServices;
using ParallelExec.Scheduling;

namespace ParallelExec.AccessLists;

/// <summary>
/// What the transactions of a block did to the keys its access list names, marked by the workers as
/// they check each transaction (<see cref="AccessListCheck"/>): which keys were written, and where the
/// block first touched each key — transaction, then position within it — so that the result's keys
/// can be laid out in first-touch order without a serial pass over the outputs, and names no
/// transaction used can be found. Each worker marks its own arrays (<see cref="WorkerMarks"/>): a
/// mark shared by all would be a line that every core writes and reads again, a coherence miss on
/// most checks. <see cref="Merge"/> then folds them into worker 0's, in parallel ranges of keys.
/// Reused across blocks.
/// </summary>
internal sealed class AccessListMarks
{
    /// <summary>Not touched.</summary>
    public const long Untouched = long.MaxValue;

    /// <summary>Keys per range a worker merges.</summary>
    private const int MergeRange = 4096;

    private readonly WorkerMarks[] _workers;
    private int _named;
    private RangeClaims _mergeRanges;

    public AccessListMarks(int workers)
    {
        _workers = new WorkerMarks[workers];
        for (int w = 0; w < workers; w++) _workers[w] = new WorkerMarks();
    }

    /// <summary>Worker <paramref name="worker"/>'s marks, cleared for the block's keys (by that worker, as its work starts).</summary>
    public WorkerMarks Begin(int worker)
    {
        var marks = _workers[worker];
        marks.Clear(_named);
        return marks;
    }

    /// <summary>After <see cref="Merge"/>: per named key, (transaction &lt;&lt; 32) | position of its first touch, or <see cref="Untouched"/>.</summary>
    public long[] FirstTouch => _workers[0].FirstTouch;

    /// <summary>After <see cref="Merge"/>: per named key, 1 when some transaction wrote it (even with the value it had).</summary>
    public byte[] Written => _workers[0].Written;

    /// <summary>Prepares for a block whose list names <paramref name="named"/> keys; each worker then clears its own marks (<see cref="Begin"/>).</summary>
    public void Reset(int named)
    {
        _named = named;
        _mergeRanges.Reset();
    }

    /// <summary>
    /// Run by every worker once all transactions are checked: folds the other workers' marks into
    /// worker 0's, a range of keys at a time.
    /// </summary>
    // Called once a block per worker, so tiering would reach optimized code only after ~60 blocks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Merge(int worker)
    {
        long[] first = _workers[0].FirstTouch;
        byte[] written = _workers[0].Written;
        while (_mergeRanges.TryClaim(_named, MergeRange, out _, out int start, out int end))
        {
            for (int w = 1; w < _workers.Length; w++)
            {
                long[] theirFirst = _workers[w].FirstTouch;
                byte[] theirWritten = _workers[w].Written;
                for (int k = start; k < end; k++)
                {
                    if (theirFirst[k] < first[k]) first[k] = theirFirst[k];
                    written[k] |= theirWritten[k];
                }
            }
        }
    }

    /// <summary>The marks one worker makes, read by no other until the merge.</summary>
    internal sealed class WorkerMarks
    {
        public long[] FirstTouch { get; private set; } = [];
        public byte[] Written { get; private set; } = [];

        /// <summary>Clears the marks for <paramref name="named"/> keys.</summary>
        public void Clear(int named)
        {
            if (FirstTouch.Length < named)
            {
                FirstTouch = new long[Math.Max(named, FirstTouch.Length * 2)];
                Written = new byte[FirstTouch.Length];
            }
            else Array.Clear(Written, 0, named);
            Array.Fill(FirstTouch, Untouched, 0, named);
        }

        /// <summary>Transaction <paramref name="txIndex"/> touched named key <paramref name="key"/> at <paramref name="position"/> of its reads-then-writes.</summary>
        public void Touch(int key, int txIndex, int position)
        {
            long touch = ((long)txIndex << 32) | (uint)position;
            ref long first = ref FirstTouch[key];
            if (touch < first) first = touch;
        }

        /// <summary>Named key <paramref name="key"/> was written.</summary>
        public void MarkWritten(int key) => Written[key] = 1;

        /// <summary>Starts loading the marks of named key <paramref name="key"/>, which a check will read and write.</summary>
        public void Prefetch(int key)
        {
            Trie.Prefetch.Element(FirstTouch, key);
            Trie.Prefetch.Element(Written, key);
        }
    }
}
