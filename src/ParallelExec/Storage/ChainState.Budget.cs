using System.Runtime;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// Keeping the trie within <see cref="ChainStateOptions.TrieCacheBytes"/>: what a checkpoint made
/// durable is dropped past the budget, and a block whose loads took the trie past the budget is made
/// a checkpoint, so that what it loaded can be dropped before the regular checkpoint comes.
/// </summary>
public sealed partial class ChainState
{
    // Growth since the last measure below which no block is made a checkpoint for the budget: a
    // checkpoint writes the trie's top levels each time.
    private const long MinimumBudgetGrowth = 1L << 20;

    // The trie's estimated bytes (StateTrie.Resident) when last measured, the node source's loaded RLP
    // bytes then, and the estimated bytes each loaded RLP byte adds (the node's object besides the RLP
    // or key and value it keeps, the accounts loaded with it), learned from each eviction's measure;
    // -1: not measured for this trie.
    private long _measuredResident = -1, _loadedAtMeasure;
    private double _bytesPerLoadedByte = InitialBytesPerLoadedByte;
    private ITrieNodeSource? _measuredSource;
    private bool _evictionDue;

    // What a byte of the trie's objects costs the process: between its gen2 collections the collector
    // holds the nodes a block replaced, and the free space a sweep leaves is compacted only past a share
    // of gen2 (the CLI's conserve-memory mode). A 10 M replay at its 1 GiB budget had 1.29-1.43 bytes
    // committed per live byte at each of seven checks; the budget counts the trie's estimate times a
    // little more than the highest. At 1.35 a 10 M token replay peaked at 1.82-2.00 GiB (past 2 GiB in
    // one run of thirteen); at 1.5 at 1.80-1.82 GiB, reading 2.2 % more nodes at the same speed. The
    // server collector (the CLI's) runs gen2 collections less often and keeps more committed between
    // them: the same replay peaked at 1.96-2.10 GB at 1.5, at 1.75-1.92 GB at 2.0 (1.93-1.96 at 1.75).
    private static readonly double CollectorHeadroom = GCSettings.IsServerGC ? 2.0 : 1.5;

    // An eviction that drops at least this much is followed by a full collection: the nodes dropped
    // live in gen2, which the collector sweeps only once gen2's own allocation budget runs out, and
    // until then the blocks after the eviction load nodes again on top of them (on a 10 M replay the
    // heap grew 0.27 GB past its size before the eviction).
    private const long CollectAfterEvictionBytes = 128L << 20;

    // A loaded branch keeps its RLP beside a ~220-byte object (1.4 estimated bytes per RLP byte), a
    // leaf its key and value beside ~150 and its account ~220 more (about 4): three, on the safe side
    // for paths that are mostly branches, until an eviction measures it.
    private const double InitialBytesPerLoadedByte = 3;

    /// <summary>How many times the trie was brought back within <see cref="ChainStateOptions.TrieCacheBytes"/> (a walk that found it within counts; a check the estimate settled without one does not).</summary>
    public long Evictions { get; private set; }

    /// <summary>Blocks made checkpoints because the trie's loads took it past <see cref="ChainStateOptions.TrieCacheBytes"/>, not because of the interval.</summary>
    public long BudgetCheckpoints { get; private set; }

    /// <summary>
    /// After a checkpoint's nodes are durable: drops what the trie holds beyond
    /// <see cref="ChainStateOptions.TrieCacheBytes"/> (it is loaded again from the store when a block
    /// needs it). Called by <see cref="Root"/> before it changes the trie, unless the estimate says the
    /// trie is within the budget; what it drops, it drops once the commits in flight have landed. Its
    /// measure of the trie before and after also calibrates the estimate <see cref="OverBudget"/> keeps
    /// between evictions.
    /// </summary>
    private void EvictIfDue()
    {
        if (!_evictionDue) return;
        _evictionDue = false;
        // Nothing to drop while the estimate is well within the budget: no walk. Near the budget the
        // walk decides, as the estimate runs under it there (at 10 M, skipping on the estimate alone
        // left the trie to grow into budget checkpoints: 4 % more nodes loaded).
        if (EstimatedResident() is long estimate and >= 0 && estimate <= TrieObjectBudget / 4 * 3) return;
        if (_trieStale) return; // a failed commit: the trie is opened again
        // The walk measures without waiting for the checkpoint's commit, which only dropping needs: a
        // walk that finds the trie within the budget leaves the root stage, the pipeline's longest, to
        // go on while the commit lands (at 10 M two of a replay's three walks found it within, each
        // having waited 0.26-0.73 s for its checkpoint's commit).
        long after = _trie.Evict(TrieObjectBudget, out long before, CommitsLanded);
        if (!StoreBacksTrie) return; // a commit failed meanwhile: this measure is of a trie about to be opened again
        Evictions++;
        if (before - after >= CollectAfterEvictionBytes) GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        long loaded = LoadedTrieBytes();
        if (MeasuredThisTrie && loaded - _loadedAtMeasure >= MinimumBudgetGrowth / 4)
            _bytesPerLoadedByte = Math.Clamp((double)(before - _measuredResident) / (loaded - _loadedAtMeasure), 1, 16);
        Measured(after, loaded);
    }

    // Before an eviction drops anything: waits for the commits in flight (a node counts as persisted
    // once its checkpoint was hashed, but the store has it only once that commit is written); false
    // when the store does not back the trie then (StoreBacksTrie).
    private bool CommitsLanded()
    {
        SpinWait.SpinUntil(() => Volatile.Read(ref _uncommitted) == 0);
        return StoreBacksTrie;
    }

    // The store holds a trie and no commit failed (a failed one leaves the trie to be opened again
    // before the next block): what the trie drops can be loaded back.
    private bool StoreBacksTrie => !_trieStale && _store.TrieNodesAt is not null;

    // The trie's estimated bytes now: the last measure plus what was loaded since; -1 when this trie
    // was not measured yet.
    private long EstimatedResident() =>
        MeasuredThisTrie ? _measuredResident + (long)((LoadedTrieBytes() - _loadedAtMeasure) * _bytesPerLoadedByte) : -1;

    // Whether the last measure is of this trie (not of one opened again since, from another source).
    private bool MeasuredThisTrie => _measuredResident >= 0 && ReferenceEquals(_measuredSource, _trie.NodeSource);

    /// <summary>
    /// On the root stage, after the block's update loaded what it walked into: whether the trie's
    /// estimate (the last measure plus what was loaded since) is past the budget by more than the
    /// slack a checkpoint is worth. Only a checkpoint makes loaded and changed nodes droppable, so
    /// without this a trie grows by everything the blocks between two checkpoints load. The first
    /// call for a trie measures it (a walk of what is in memory: the opened root and what warming put
    /// in, or once a whole trie built in memory).
    /// </summary>
    private bool OverBudget()
    {
        long budget = TrieObjectBudget;
        if (budget <= 0 || !_options.PersistTrieNodes || _store.TrieNodesAt is null || _trie.NodeSource is null) return false;
        long slack = Math.Max(budget / 8, MinimumBudgetGrowth);
        long estimate = EstimatedResident();
        if (estimate < 0)
        {
            Measured(_trie.Resident().Bytes, LoadedTrieBytes());
            return _measuredResident > budget + slack; // a trie built whole in memory, over budget from the start
        }
        return estimate > budget && estimate - _measuredResident >= slack;
    }

    // The bytes of the trie's objects (its estimate) that TrieCacheBytes allows; 0: no budget.
    private long TrieObjectBudget =>
        _options.TrieCacheBytes <= 0 ? 0 : Math.Max(1, (long)(_options.TrieCacheBytes / CollectorHeadroom));

    private void Measured(long resident, long loaded)
    {
        _measuredResident = resident;
        _loadedAtMeasure = loaded;
        _measuredSource = _trie.NodeSource;
    }

    // What the trie put in memory from its node source: the nodes read, and the leaves built instead of read.
    private long LoadedTrieBytes() =>
        _trie.NodeSource is StoreTrieNodeSource source ? source.LoadedBytes + _trie.BuiltLeafBytes : 0;
}
