using ParallelExec.Execution;
using ParallelExec.MultiVersion;
using ParallelExec.State;

namespace ParallelExec.Scheduling;

/// <summary>
/// One worker's software prefetch of the multi-version memory its next transactions will look up.
/// A speculative read finds its key's slot in the version table and then the key's version list,
/// two dependent loads that often miss (the table is megabytes, and the lists' lines move between
/// the cores that read and write them). Workers take transactions in turn, so the one a worker will
/// probably run next is a worker count ahead of the one it starts now, and the one after that twice
/// as far. As it starts transaction i, a worker names the likely keys
/// (<see cref="ITransaction.AppendLikelyKeys"/>) of i + 2 × workers and starts loading their slots'
/// lines, and for i + workers, whose slots it loaded at its previous claim, starts loading the
/// lists those slots hold. Only a prefetch: a wrong guess, wrong likely keys or a listing that
/// throws cost a few wasted loads, never a different result.
/// </summary>
internal sealed class VersionPrefetcher
{
    private const int MaxKeys = 8;

    private readonly LikelyKeyBuffer _likely = new(MaxKeys);
    private readonly StateKey[] _named = new StateKey[MaxKeys];
    private int _namedCount;
    private int _namedFor = -1;

    /// <summary>Version lists found and loaded ahead so far (the keys' slots held them): what tests check.</summary>
    public long ListsFound { get; private set; }

    /// <summary>Called as this worker starts transaction <paramref name="i"/> of <paramref name="txs"/>, with <paramref name="workers"/> workers.</summary>
    public void Advance(MultiVersionMap versions, IReadOnlyList<ITransaction> txs, int i, int workers)
    {
        int next = i + workers;
        if (_namedFor == next) ListsFound += versions.PrefetchLists(_named.AsSpan(0, _namedCount));
        _namedFor = -1;
        int after = next + workers;
        if (after >= txs.Count) return;
        var likely = _likely.Collect(txs[after]);
        likely.CopyTo(_named);
        _namedCount = likely.Length;
        _namedFor = after;
        versions.PrefetchSlots(likely);
    }

    /// <summary>Forgets what was named: a new block starts.</summary>
    public void Reset() => _namedFor = -1;
}
