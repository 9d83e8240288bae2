namespace ParallelExec.Storage;

/// <summary>Which blocks are checkpoints: every <see cref="ChainStateOptions.TrieNodeInterval"/>th, more often while checkpoints are large.</summary>
public sealed partial class ChainState
{
    // The interval is the longest one divided by this (a power of two): checkpoints fall on multiples
    // of the interval, so the blocks between two checkpoints never outnumber the longest interval
    // (the journals kept for reaching the head from the stored trie).
    private int _checkpointDivisor = 1;

    /// <summary>
    /// Blocks between checkpoints now: <see cref="ChainStateOptions.TrieNodeInterval"/> (at most the
    /// store's journal retention: opening the stored trie of a checkpoint and bringing it to the head
    /// needs the journals of the blocks since), divided while checkpoints write more than
    /// <see cref="ChainStateOptions.CheckpointBytes"/>.
    /// </summary>
    public int CheckpointInterval => Math.Max(1, LongestCheckpointInterval / _checkpointDivisor);

    private int LongestCheckpointInterval => Math.Min(_options.TrieNodeInterval, Math.Max(1, _store.JournalRetention));

    /// <summary>
    /// Whether block <paramref name="number"/>'s commit writes trie nodes, as the interval stands now:
    /// a multiple of <see cref="CheckpointInterval"/>. The interval may change after each checkpoint,
    /// and a block between may be made one when its loads take the trie past its budget
    /// (<see cref="BudgetCheckpoints"/>), so for a block already committed ask its
    /// <see cref="CommittedBlock.TrieNodes"/> instead.
    /// </summary>
    public bool IsCheckpoint(long number) => _options.PersistTrieNodes && number % CheckpointInterval == 0;

    /// <summary>
    /// Makes the head a checkpoint if it is not one: writes the trie nodes the store lacks, so that its
    /// stored trie is the head's (<see cref="IStateStore.TrieNodesAt"/>) and the next <see cref="Open"/>
    /// reads nothing but the root node. Call it before closing a store whose last block fell between
    /// checkpoints (a run stopped midway, a chain whose length is not a multiple of the interval):
    /// otherwise the next open brings the stored trie to the head from the journals of the blocks
    /// since, and writes it then. Returns false when there was nothing to write (the stored trie is the
    /// head's, or trie nodes are not persisted). Not while a <see cref="ChainPipeline"/> runs.
    /// </summary>
    public bool Checkpoint()
    {
        if (Volatile.Read(ref _uncommitted) > 0) throw new InvalidOperationException("blocks are still being committed: checkpoint once they are");
        if (!_options.PersistTrieNodes || _store.TrieNodesAt == _store.Head) return false;
        if (_trieStale)
        {
            // Opening the trie again brings the stored trie to the head and writes it (OpenTrie).
            _trie = ReopenTrie(out _);
            _trieStale = false;
            return _store.TrieNodesAt == _store.Head;
        }
        if (!_trie.TracksPersistence) return false;
        var head = _store.Head;
        var nodes = _nodeSets[_nextNodeSet]!; // free: no block is being committed
        nodes.Clear();
        try
        {
            var root = _trie.ComputeRootForCheckpoint(_options.RootParallelism, nodes);
            if (root != head.StateRoot) throw new InvalidOperationException($"the trie's root {root} is not the head's ({head})");
            _store.WriteTrieNodes(nodes, head);
        }
        catch
        {
            _trieStale = true; // its nodes count as stored: open it again before its next use
            throw;
        }
        finally
        {
            nodes.Clear();
        }
        _lastCheckpoint = head.Number;
        if (_options.TrieCacheBytes > 0) _evictionDue = true;
        return true;
    }

    /// <summary>
    /// After a checkpoint's root, on the root stage: checkpoints twice as often after one that wrote
    /// more than <see cref="ChainStateOptions.CheckpointBytes"/>, half as often again after one that
    /// wrote under a quarter of it (halving the interval about halves what the next one writes, a
    /// little less: the top of the trie is written every time). Only a checkpoint that covered a
    /// whole interval (<paramref name="blocksCovered"/>: the blocks since the previous checkpoint) can
    /// widen it: one that comes soon after a budget checkpoint writes little because it covers few
    /// blocks (at 10 M accounts, 19 MiB for one block against 94 MiB for eight), and widening on it
    /// made the next checkpoint cover twice the interval (151 MiB).
    /// </summary>
    internal void AdaptCheckpoints(long exportedBytes, long blocksCovered)
    {
        long bound = _options.CheckpointBytes;
        if (bound <= 0) return;
        if (exportedBytes > bound && CheckpointInterval > 1) _checkpointDivisor *= 2;
        else if (exportedBytes < bound / 4 && _checkpointDivisor > 1 && blocksCovered >= CheckpointInterval) _checkpointDivisor /= 2;
    }
}
