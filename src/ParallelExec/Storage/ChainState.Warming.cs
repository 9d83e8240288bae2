using System.Diagnostics;
using System.Runtime.CompilerServices;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>Warming before the first block: the stored account trie read in sequential scans, and the account records the store keeps in memory (<see cref="ChainStateOptions.CacheAccounts"/>).</summary>
public sealed partial class ChainState
{
    private bool _warmDue;

    /// <summary>Account-trie nodes put in memory by the scans before the first block (<see cref="ChainStateOptions.WarmTrie"/>); 0 when none was made.</summary>
    public long WarmedNodes { get; private set; }

    /// <summary>Bytes (store keys and RLP) of the nodes the scans before the first block put in memory.</summary>
    public long WarmedBytes { get; private set; }

    /// <summary>
    /// Whether the whole account trie was over the warming's limit and only its branches and
    /// extensions were warmed (all of them: they fit). False when the whole trie was warmed, or nothing.
    /// </summary>
    public bool WarmedInnerNodesOnly { get; private set; }

    /// <summary>Time the warming before the first block took (planning, reading, checking and decoding), zero when none was made.</summary>
    public TimeSpan WarmTime { get; private set; }

    /// <summary>Account records the store keeps in memory since before the first block (<see cref="ChainStateOptions.CacheAccounts"/>); 0 when it keeps none.</summary>
    public long CachedAccounts { get; private set; }

    /// <summary>The memory those records take (at most an eighth of <see cref="ChainStateOptions.TrieCacheBytes"/>, beside it).</summary>
    public long AccountCacheBytes { get; private set; }

    /// <summary>Time the store took to read the account records into memory.</summary>
    public TimeSpan AccountCacheWarmTime { get; private set; }

    private bool _accountsWarmDue;

    // The trie's budget (TrieCacheBytes, or the default when unbounded), of which the account records may take an eighth more.
    private long CacheBudget => _options.TrieCacheBytes > 0 ? _options.TrieCacheBytes : ChainStateOptions.DefaultTrieCacheBytes;

    // The account records fit in an eighth of the budget or are not kept (a cache of a part of them
    // would serve the uniform reads of a large state a part of the time, for all of its memory).
    private void WarmAccountsIfDue()
    {
        if (!_accountsWarmDue) return;
        _accountsWarmDue = false;
        var started = Stopwatch.GetTimestamp();
        try
        {
            AccountCacheBytes = _store.WarmAccountCache(CacheBudget / 8, out long accounts);
            CachedAccounts = accounts;
        }
        catch (StateStoreException)
        {
            return; // the reads a block makes report any failure
        }
        AccountCacheWarmTime = Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// What a branch or extension costs in memory besides its stored bytes once decoded: the trie
    /// budget's own estimate of a branch's object (an extension's is smaller), so that the warming's
    /// plan and the budget's measure agree.
    /// </summary>
    internal const int DecodedInnerNodeBytes = MerklePatriciaTrie.BranchBytes;

    /// <summary>
    /// Before the first block (<see cref="ChainStateOptions.WarmTrie"/>): when the store says its
    /// account trie fits in a quarter of the trie budget, reads it in key order (at most that many
    /// bytes) and puts what the trie in memory lacks in place, checked against the hashes the parents
    /// name. Decoded nodes take roughly twice their stored bytes (an estimate from object sizes), so
    /// the warmed trie takes about half the budget. A larger trie gets its branches and extensions
    /// only, when they all fit in that half decoded (judged from the subtrie under the root's first
    /// child: keys are hashes, so each subtrie is much like the others): a block's cold account then
    /// costs no read but its leaf, which the block usually builds from its reads
    /// (<see cref="StateTrie.BuiltLeafCount"/>). Some levels of them alone are not worth the scans,
    /// which visit every stored node (<see cref="InnerNodesFit"/>). A node the scans missed, or read
    /// with other bytes, is loaded from the store as before when a block needs it. Not at open: an
    /// open stays instant, and a proof reads only its paths.
    /// <para>
    /// Below a root branch, each of the sixteen subtries is read by a scan of its own key range and put
    /// in place by the same thread, on <see cref="ChainStateOptions.RootParallelism"/> threads at once:
    /// one subtrie is read while another is decoded, and each scan's nodes are let go once in place. A
    /// store that cannot scan a range gets the one scan of the whole trie (and no inner-node warming).
    /// </para>
    /// </summary>
    private void WarmIfDue()
    {
        if (!_warmDue && !_accountsWarmDue) return; // every block after the first
        // The account records' scan runs beside the trie's (on a thread of its own): both come before
        // the first block's root, so no commit runs meanwhile.
        var accounts = _accountsWarmDue ? Task.Factory.StartNew(WarmAccountsIfDue, TaskCreationOptions.LongRunning) : null;
        try
        {
            WarmTrieIfDue();
        }
        finally
        {
            accounts?.GetAwaiter().GetResult();
        }
        // Every account fits in memory: the blocks will load each one they touch into the trie's table
        // by address, which would otherwise double on the way (ten times at 1 M, a large array each).
        if (CachedAccounts > 0 && WarmedNodes > 0 && !WarmedInnerNodesOnly) _trie.ReserveAccounts(CachedAccounts);
    }

    private void WarmTrieIfDue()
    {
        if (!_warmDue) return;
        _warmDue = false;
        if (_store.TrieNodesAt is null || _trieStale) return;
        long limit = CacheBudget / 4;
        long estimate = _store.EstimateAccountTrieBytes();
        if (estimate < 0) return;
        var started = Stopwatch.GetTimestamp();
        var scope = WarmingScope.Whole(limit);
        if (estimate > limit)
        {
            try
            {
                scope = WarmingScope.InnerNodes(2 * limit);
                if (!InnerNodesFit(scope)) return;
            }
            catch (StateStoreException)
            {
                return; // a store that fails a scan: the nodes a block needs are read (and any failure reported) one by one
            }
        }
        bool rootBranch, rootLoaded;
        try
        {
            rootBranch = _trie.ResolveAccountRootBranch(out rootLoaded);
        }
        catch (Exception e) when (e is StateStoreException or MissingTrieNodeException)
        {
            return; // the first block that needs the root reports it
        }
        long bytes = 0, nodes = rootLoaded ? 1 : 0;
        if (!rootBranch || !WarmSubtries(scope, ref bytes, ref nodes))
        {
            if (!scope.Leaves) return; // the inner nodes' plan is made from a ranged scan
            WarmInOneScan(scope, ref bytes, ref nodes);
        }
        WarmedNodes = nodes;
        WarmedBytes = bytes;
        WarmedInnerNodesOnly = !scope.Leaves;
        WarmTime = Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// Whether what <paramref name="scope"/> takes of the account trie (its branches and extensions)
    /// costs at most its limit, judged from a scan of the subtrie under the root's child 0 (times sixteen); false
    /// too when the store cannot scan a subtrie. All of them or none: the scans visit every
    /// stored node, leaves included (~0.8 µs each on two threads at 10 M accounts), and there the
    /// four levels that fit were 0.5 % of the nodes (5.3 s of scans for 69,905 nodes the first
    /// blocks read anyway); all of them at 3 M are 28 % (the apply stage 22.7–24.5 → 12.7–14.4 s for
    /// a 3.2–4.0 s warming).
    /// </summary>
    private bool InnerNodesFit(WarmingScope scope)
    {
        long total = 0;
        bool ranged = _store.ScanAccountSubtrie(0, (key, rlp) =>
        {
            if (scope.Takes(rlp)) total += 16 * scope.Cost(key, rlp);
            return total <= scope.Limit;
        });
        return ranged && total <= scope.Limit;
    }

    // The subtries under the root branch, a scan and a load each; false when the store cannot scan
    // ranges (then whatever is still missing is left to the one scan).
    private bool WarmSubtries(WarmingScope scope, ref long bytes, ref long nodes)
    {
        var cost = new StrongBox<long>();
        long loaded = 0, kept = 0;
        bool ranged = true;
        var buffers = new ScannedTrieNodes.Buffers();
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = _options.RootParallelism }, nibble =>
        {
            using var scanned = new ScannedTrieNodes(buffers);
            try
            {
                if (!_store.ScanAccountSubtrie(nibble, KeepWithin(scanned, cost, scope)))
                {
                    Volatile.Write(ref ranged, false);
                    return;
                }
                scanned.Seal();
            }
            catch (StateStoreException)
            {
                return; // a store that fails a scan: the nodes a block needs are read (and any failure reported) one by one
            }
            Interlocked.Add(ref loaded, _trie.LoadAccountSubtrie(scanned, nibble));
            Interlocked.Add(ref kept, scanned.Bytes);
        });
        bytes += kept;
        nodes += loaded;
        return ranged;
    }

    // One scan of the whole account trie, then its nodes put in place on the chain's threads.
    private void WarmInOneScan(WarmingScope scope, ref long bytes, ref long nodes)
    {
        using var scanned = new ScannedTrieNodes(new ScannedTrieNodes.Buffers());
        try
        {
            if (!_store.ScanAccountTrie(KeepWithin(scanned, new StrongBox<long>(), scope))) return;
            scanned.Seal();
        }
        catch (StateStoreException)
        {
            return; // as above
        }
        nodes += _trie.LoadFrom(scanned, _options.RootParallelism);
        bytes += scanned.Bytes;
    }

    // Keeps in `scanned` the nodes of a scan that `scope` takes while what every scan sharing `cost`
    // has taken stays within the scope's limit; the scan stops at the first node past it.
    private static TrieNodeVisitor KeepWithin(ScannedTrieNodes scanned, StrongBox<long> cost, WarmingScope scope) => (key, rlp) =>
    {
        if (!scope.Takes(rlp)) return true;
        if (Interlocked.Add(ref cost.Value, scope.Cost(key, rlp)) > scope.Limit) return false;
        scanned.Add(key, rlp);
        return true;
    };

    /// <summary>
    /// Which stored nodes a warming takes, and how much: the whole trie within <see cref="Limit"/>
    /// stored bytes, or its branches and extensions within <see cref="Limit"/> bytes decoded.
    /// </summary>
    private readonly record struct WarmingScope(bool Leaves, long Limit)
    {
        public static WarmingScope Whole(long limit) => new(true, limit);

        public static WarmingScope InnerNodes(long limit) => new(false, limit);

        public bool Takes(ReadOnlySpan<byte> rlp) => Leaves || !TrieNodeDecoder.IsLeaf(rlp);

        public long Cost(ReadOnlySpan<byte> key, ReadOnlySpan<byte> rlp) => key.Length + rlp.Length + (Leaves ? 0 : DecodedInnerNodeBytes);
    }
}
