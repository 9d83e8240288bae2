namespace ParallelExec.Scheduling;

/// <summary>
/// Splits [0, count) into ranges of a fixed size and hands the next one to whichever worker asks:
/// one shared increment per range, so workers that finish early take more. <see cref="Reset"/> before
/// each use; a field of the class the workers share (a copy would hand out its own ranges).
/// </summary>
internal struct RangeClaims
{
    private int _next;

    /// <summary>Starts again from the first range.</summary>
    public void Reset() => _next = -1;

    /// <summary>The next unclaimed range of [0, <paramref name="count"/>): its number and [start, end); false when none is left.</summary>
    public bool TryClaim(int count, int size, out int range, out int start, out int end)
    {
        range = Interlocked.Increment(ref _next);
        long first = (long)range * size;
        if (first >= count)
        {
            start = end = count;
            return false;
        }
        start = (int)first;
        end = (int)Math.Min(first + size, count);
        return true;
    }
}
