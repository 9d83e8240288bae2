using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The distinct keys a block's transactions declare in their hints (reads and writes: a written
/// balance is read first, and a credit is read when it is committed). Hints larger than
/// <see cref="ExecutionLimits.MaxHintKeys"/> are skipped, as the scheduler skips them: declared keys
/// are never trusted, and a prefetch of keys nobody reads costs only time.
/// </summary>
internal sealed class DeclaredKeys
{
    private readonly HashSet<StateKey> _seen = new();
    private readonly List<StateKey> _keys = new();

    /// <summary>Collects <paramref name="block"/>'s declared keys, in key order (the order a batched read wants).</summary>
    public List<StateKey> Collect(Block block)
    {
        _seen.Clear();
        _keys.Clear();
        foreach (var tx in block.Transactions)
        {
            if (tx.Hints is not { } hints || hints.Count > ExecutionLimits.MaxHintKeys) continue;
            foreach (var key in hints.Reads) if (_seen.Add(key)) _keys.Add(key);
            foreach (var key in hints.Writes) if (_seen.Add(key)) _keys.Add(key);
        }
        _keys.Sort();
        return _keys;
    }
}
