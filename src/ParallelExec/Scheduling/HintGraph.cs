using System.Runtime.InteropServices;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Scheduling;

/// <summary>
/// The dependency graph declared by access hints: for each transaction, the latest earlier
/// transaction that declares a write to a key it declares to read (a read-after-write edge; writes
/// to the same key need no order in multi-version memory). Hints are untrusted: they only decide
/// which transactions a worker runs speculatively and which it leaves for in-order execution.
/// </summary>
internal static class HintGraph
{
    /// <summary>Fills <paramref name="predecessor"/> (−1: none known). Returns false when no transaction has usable hints.</summary>
    public static bool Build(IReadOnlyList<ITransaction> txs, int[] predecessor, Dictionary<StateKey, int> lastWriter)
    {
        lastWriter.Clear();
        bool any = false;
        for (int i = 0; i < txs.Count; i++)
        {
            predecessor[i] = -1;
            var hints = txs[i].Hints;
            if (hints is null || hints.Count > ExecutionLimits.MaxHintKeys) continue;
            any = true;
            int pred = -1;
            foreach (var key in hints.Reads)
                if (lastWriter.TryGetValue(key, out int writer) && writer > pred) pred = writer;
            predecessor[i] = pred;
            foreach (var key in hints.Writes)
                CollectionsMarshal.GetValueRefOrAddDefault(lastWriter, key, out _) = i;
        }
        return any;
    }

    /// <summary>
    /// Merges a block-level dependency graph into <paramref name="predecessor"/> (already filled by
    /// <see cref="Build"/>). Returns false, changing nothing, when the graph is absurdly large.
    /// </summary>
    public static bool MergeEdges(IReadOnlyList<(int From, int To)> edges, int[] predecessor, int count)
    {
        if (edges.Count == 0 || edges.Count > (long)count * ExecutionLimits.MaxHintKeys) return false;
        foreach (var (from, to) in edges)
            if (from >= 0 && from < to && to < count && from > predecessor[to]) predecessor[to] = from;
        return true;
    }
}
