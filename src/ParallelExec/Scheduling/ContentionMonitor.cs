namespace ParallelExec.Scheduling;

/// <summary>
/// Watches validation failures as the committer walks the block. When half of a window of
/// speculative results had to be re-executed, the block is in a dependency chain: speculation
/// only burns cores and memory bandwidth, so workers pause and the committer runs a stretch of
/// transactions in order. The stretch doubles while contention persists and shrinks once
/// speculation pays again. Used by the committer only; workers read <see cref="Sequential"/>.
/// </summary>
internal sealed class ContentionMonitor
{
    private const int Window = 32;
    private const int MinStretch = 64;
    private const int MaxStretch = 4096;

    private int _seen, _failed, _remaining, _stretch = MinStretch;
    private volatile bool _sequential;

    public bool Sequential => _sequential;
    public long Fallbacks { get; private set; }

    /// <summary>Lets workers speculate again after a sequential stretch.</summary>
    public void Resume() => _sequential = false;

    public void Reset()
    {
        _seen = _failed = _remaining = 0;
        _stretch = MinStretch;
        _sequential = false;
        Fallbacks = 0;
    }

    /// <summary>
    /// Records one commit. Returns true when a sequential stretch has ended: the caller brings
    /// multi-version memory up to date and then calls <see cref="Resume"/>.
    /// </summary>
    public bool Record(bool validationFailed)
    {
        if (_sequential) return --_remaining <= 0;
        _seen++;
        if (validationFailed) _failed++;
        if (_seen < Window) return false;
        if (_failed * 2 >= Window)
        {
            _sequential = true;
            _remaining = _stretch;
            _stretch = Math.Min(_stretch * 2, MaxStretch);
            Fallbacks++;
        }
        else
        {
            _stretch = Math.Max(MinStretch, _stretch / 2);
        }
        _seen = _failed = 0;
        return false;
    }
}
