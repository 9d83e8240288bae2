namespace ParallelExec.Scheduling;

/// <summary>
/// Watches validation failures as the committer walks the block. Only speculative results count
/// (a transaction the committer ran in order itself says nothing about contention). When a quarter
/// of a window of speculative results had to be re-executed, the block is in a dependency chain: speculation
/// only burns cores and memory bandwidth, so workers pause and the committer runs a stretch of
/// transactions in order, then speculation is probed again. The stretch grows fourfold while
/// contention persists and halves only after a clean window; it carries over to the next block
/// (a node's blocks look alike), but every block starts by speculating. Used by the committer
/// only; workers read <see cref="Sequential"/>.
/// </summary>
internal sealed class ContentionMonitor
{
    private const int Window = 32;
    private const int FallbackFailures = Window / 4;
    private const int CleanFailures = Window / 16;
    private const int MinStretch = 64;
    private const int MaxStretch = 16_384;

    private int _seen, _failed, _remaining, _stretch = MinStretch;
    private volatile bool _sequential;

    public bool Sequential => _sequential;
    public long Fallbacks { get; private set; }

    /// <summary>Lets workers speculate again after a sequential stretch.</summary>
    public void Resume() => _sequential = false;

    /// <summary>Starts a block: speculating, with the stretch learned so far.</summary>
    public void StartBlock()
    {
        _seen = _failed = _remaining = 0;
        _sequential = false;
        Fallbacks = 0;
    }

    /// <summary>
    /// Records one commit: of a speculative result (valid, or <paramref name="validationFailed"/>),
    /// or of a transaction the committer ran in order (<paramref name="speculated"/> false). Returns
    /// true when a sequential stretch has ended: the caller brings multi-version memory up to date
    /// and then calls <see cref="Resume"/>.
    /// </summary>
    public bool Record(bool validationFailed, bool speculated = true)
    {
        if (_sequential) return --_remaining <= 0;
        if (!speculated) return false;
        _seen++;
        if (validationFailed) _failed++;
        if (_failed >= FallbackFailures)
        {
            _sequential = true;
            _remaining = _stretch;
            _stretch = Math.Min(_stretch * 4, MaxStretch);
            Fallbacks++;
            _seen = _failed = 0;
        }
        else if (_seen == Window)
        {
            if (_failed <= CleanFailures) _stretch = Math.Max(MinStretch, _stretch / 2);
            _seen = _failed = 0;
        }
        return false;
    }
}
