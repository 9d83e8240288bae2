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
