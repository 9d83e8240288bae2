using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The distinct keys to read before a block executes: per transaction, its declared hints (reads and
/// writes: a written balance is read first, and a credit is read when it is committed) when it has
/// usable ones, else the keys it will likely touch (<see cref="ITransaction.AppendLikelyKeys"/>).
/// Hints larger than <see cref="ExecutionLimits.MaxHintKeys"/> are not usable, as the scheduler skips
/// them; only the first <see cref="ExecutionLimits.MaxLikelyKeys"/> likely keys are taken, and a
/// transaction whose <see cref="ITransaction.AppendLikelyKeys"/> throws adds none. Neither is trusted:
/// a prefetch of keys nobody reads costs only time.
/// </summary>
internal sealed class PrefetchKeys
{
    private readonly HashSet<StateKey> _seen = new();
    private readonly List<StateKey> _keys = new();
    private readonly List<StateKey> _likely = new(); // one transaction's likely keys, reused

    /// <summary>Collects <paramref name="block"/>'s keys to prefetch, in key order (the order a batched read wants).</summary>
    public List<StateKey> Collect(Block block)
    {
        _seen.Clear();
        _keys.Clear();
        foreach (var tx in block.Transactions)
        {
            if (tx.Hints is { } hints && hints.Count <= ExecutionLimits.MaxHintKeys)
            {
                foreach (var key in hints.Reads) Add(key);
                foreach (var key in hints.Writes) Add(key);
                continue;
            }
            _likely.Clear();
            try
            {
                tx.AppendLikelyKeys(_likely);
            }
            catch (Exception)
            {
                continue; // only a prefetch: the transaction's own execution reports whatever is wrong
            }
            int count = Math.Min(_likely.Count, ExecutionLimits.MaxLikelyKeys);
            for (int i = 0; i < count; i++) Add(_likely[i]);
        }
        // A transaction that named thousands of keys would keep its buffer that large for good.
        if (_likely.Capacity > 4 * ExecutionLimits.MaxLikelyKeys)
        {
            _likely.Clear();
            _likely.Capacity = ExecutionLimits.MaxLikelyKeys;
        }
        _keys.Sort();
        return _keys;
    }

    private void Add(in StateKey key)
    {
        if (_seen.Add(key)) _keys.Add(key);
    }
}
