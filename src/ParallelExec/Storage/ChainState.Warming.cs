using System.Diagnostics;

namespace ParallelExec.Storage;

/// <summary>Warming the trie: the stored account trie read in one sequential scan before the first block.</summary>
public sealed partial class ChainState
{
    private bool _warmDue;

    /// <summary>Account-trie nodes put in memory by the scan before the first block (<see cref="ChainStateOptions.WarmTrie"/>); 0 when none was made.</summary>
    public long WarmedNodes { get; private set; }

    /// <summary>Bytes (store keys and RLP) the scan before the first block read: how close the account trie is to the quarter of the budget it must fit in.</summary>
    public long WarmedBytes { get; private set; }

    /// <summary>Time the scan before the first block took (reading, checking and decoding), zero when none was made.</summary>
    public TimeSpan WarmTime { get; private set; }

    /// <summary>
    /// Before the first block (<see cref="ChainStateOptions.WarmTrie"/>): when the store says its
    /// account trie fits in a quarter of the trie budget, reads it in key order (at most that many
    /// bytes) and puts what the trie in memory lacks in place, checked against the hashes the parents
    /// name. Decoded nodes take roughly twice their stored bytes (an estimate from object sizes), so the trie stays within its budget;
    /// a node the scan missed, or read with other bytes, is loaded from the store as before when a
    /// block needs it. Not at open: an open stays instant, and a proof reads only its paths.
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
        var scanned = new ScannedTrieNodes();
        bool TakeNode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> rlp)
        {
            if (scanned.Bytes + key.Length + rlp.Length > limit) return false;
            scanned.Add(key, rlp);
            return true;
        }
        try
        {
            if (!_store.ScanAccountTrie(TakeNode)) return;
        }
        catch (StateStoreException)
        {
            return; // a store that fails a scan: the nodes a block needs are read (and any failure reported) one by one
        }
        WarmedNodes = _trie.LoadFrom(scanned, _options.RootParallelism);
        WarmedBytes = scanned.Bytes;
        WarmTime = Stopwatch.GetElapsedTime(started);
    }
}
