using System.Diagnostics;
using System.Runtime.CompilerServices;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>Warming the trie: the stored account trie read in sequential scans before the first block.</summary>
public sealed partial class ChainState
{
    private bool _warmDue;

    /// <summary>Account-trie nodes put in memory by the scans before the first block (<see cref="ChainStateOptions.WarmTrie"/>); 0 when none was made.</summary>
    public long WarmedNodes { get; private set; }

    /// <summary>Bytes (store keys and RLP) the scans before the first block read: how close the account trie is to the quarter of the budget it must fit in.</summary>
    public long WarmedBytes { get; private set; }

    /// <summary>Time the warming before the first block took (reading, checking and decoding), zero when none was made.</summary>
    public TimeSpan WarmTime { get; private set; }

    /// <summary>
    /// Before the first block (<see cref="ChainStateOptions.WarmTrie"/>): when the store says its
    /// account trie fits in a quarter of the trie budget, reads it in key order (at most that many
    /// bytes) and puts what the trie in memory lacks in place, checked against the hashes the parents
    /// name. Decoded nodes take roughly twice their stored bytes (an estimate from object sizes), so the trie stays within its budget;
    /// a node the scans missed, or read with other bytes, is loaded from the store as before when a
    /// block needs it. Not at open: an open stays instant, and a proof reads only its paths.
    /// <para>
    /// Below a root branch, each of the sixteen subtries is read by a scan of its own key range and put
    /// in place by the same thread, on <see cref="ChainStateOptions.RootParallelism"/> threads at once:
    /// one subtrie is read while another is decoded, and each scan's nodes are let go once in place. A
    /// store that cannot scan a range gets the one scan of the whole trie.
    /// </para>
    /// </summary>
    private void WarmIfDue()
    {
        if (!_warmDue) return;
        _warmDue = false;
        if (_store.TrieNodesAt is null || _trieStale) return;
        long limit = (_options.TrieCacheBytes > 0 ? _options.TrieCacheBytes : ChainStateOptions.DefaultTrieCacheBytes) / 4;
        long estimate = _store.EstimateAccountTrieBytes();
        if (estimate < 0 || estimate > limit) return;
        var started = Stopwatch.GetTimestamp();
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
        if (!rootBranch || !WarmSubtries(limit, ref bytes, ref nodes)) WarmInOneScan(limit, ref bytes, ref nodes);
        WarmedNodes = nodes;
        WarmedBytes = bytes;
        WarmTime = Stopwatch.GetElapsedTime(started);
    }

    // The subtries under the root branch, a scan and a load each; false when the store cannot scan
    // ranges (then whatever is still missing is left to the one scan).
    private bool WarmSubtries(long limit, ref long bytes, ref long nodes)
    {
        var read = new StrongBox<long>();
        long loaded = 0;
        bool ranged = true;
        var buffers = new ScannedTrieNodes.Buffers();
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = _options.RootParallelism }, nibble =>
        {
            using var scanned = new ScannedTrieNodes(buffers);
            try
            {
                if (!_store.ScanAccountSubtrie(nibble, KeepWithin(scanned, read, limit)))
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
        });
        bytes += Math.Min(read.Value, limit);
        nodes += loaded;
        return ranged;
    }

    // One scan of the whole account trie, then its nodes put in place on the chain's threads.
    private void WarmInOneScan(long limit, ref long bytes, ref long nodes)
    {
        using var scanned = new ScannedTrieNodes(new ScannedTrieNodes.Buffers());
        try
        {
            if (!_store.ScanAccountTrie(KeepWithin(scanned, new StrongBox<long>(), limit))) return;
            scanned.Seal();
        }
        catch (StateStoreException)
        {
            return; // as above
        }
        nodes += _trie.LoadFrom(scanned, _options.RootParallelism);
        bytes += scanned.Bytes;
    }

    // Keeps a scan's nodes in `scanned` while the bytes every scan sharing `read` has taken stay within `limit`.
    private static TrieNodeVisitor KeepWithin(ScannedTrieNodes scanned, StrongBox<long> read, long limit) => (key, rlp) =>
    {
        if (Interlocked.Add(ref read.Value, key.Length + rlp.Length) > limit) return false;
        scanned.Add(key, rlp);
        return true;
    };
}
