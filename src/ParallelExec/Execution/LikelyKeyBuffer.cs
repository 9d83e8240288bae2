using System.Runtime.InteropServices;
using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>
/// One transaction's likely keys at a time (<see cref="ITransaction.AppendLikelyKeys"/>), for the
/// prefetches that use them: at most <c>max</c> are used, a listing that throws gives none (only a
/// prefetch: the transaction's own execution reports whatever is wrong), and a transaction that named
/// thousands does not keep the buffer that large for good. Reused; one thread.
/// </summary>
internal sealed class LikelyKeyBuffer(int max)
{
    private readonly List<StateKey> _keys = new();

    /// <summary>The first likely keys of <paramref name="tx"/> (at most <c>max</c>), valid until the next call.</summary>
    public ReadOnlySpan<StateKey> Collect(ITransaction tx)
    {
        _keys.Clear();
        if (_keys.Capacity > 4 * max) _keys.Capacity = max;
        try
        {
            tx.AppendLikelyKeys(_keys);
        }
        catch (Exception)
        {
            return [];
        }
        return CollectionsMarshal.AsSpan(_keys)[..Math.Min(_keys.Count, max)];
    }
}
