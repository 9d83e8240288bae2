using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Tests.Execution.UnitTests;

namespace ParallelExec.Tests.Scheduling;

public sealed class HintGraphTests
{
    private static readonly StateKey K = Keys.Slot(1), L = Keys.Slot(2), M = Keys.Slot(3);

    private static ITransaction Hinted(StateKey[] reads, StateKey[] writes) =>
        new LambdaTransaction(_ => ExecutionOutcome.Success) { Hints = new AccessHints(reads, writes) };

    private static ITransaction Unhinted() => new LambdaTransaction(_ => ExecutionOutcome.Success);

    private static (bool Any, int[] Predecessors) Build(params ITransaction[] txs)
    {
        var predecessor = Enumerable.Repeat(42, txs.Length).ToArray();
        bool any = HintGraph.Build(txs, predecessor, new Dictionary<StateKey, int> { [K] = 7 });
        return (any, predecessor);
    }

    [Fact]
    public void Edges_are_read_after_write_to_the_latest_earlier_writer()
    {
        var (any, pred) = Build(
            Hinted([], [K]),        // 0
            Hinted([K], [L]),       // 1: reads K written by 0
            Hinted([], [K]),        // 2: write after write: no edge
            Hinted([K, L], []),     // 3: latest writers are 2 (K) and 1 (L)
            Hinted([M], [M]),       // 4: nobody wrote M before; not its own predecessor
            Hinted([L, M], [K]));   // 5: L by 1, M by 4
        Assert.True(any);
        Assert.Equal([-1, 0, -1, 2, -1, 4], pred);
    }

    [Fact]
    public void Transactions_without_hints_have_no_edges_and_declare_no_writes()
    {
        var (any, pred) = Build(Unhinted(), Unhinted());
        Assert.False(any);
        Assert.Equal([-1, -1], pred); // stale values are overwritten, the stale lastWriter map is cleared

        (any, pred) = Build(Hinted([], [K]), Unhinted(), Hinted([K], []));
        Assert.True(any);
        Assert.Equal([-1, -1, 0], pred);
    }

    [Fact]
    public void Hints_above_MaxHintKeys_are_ignored()
    {
        var filler = Enumerable.Range(0, ExecutionLimits.MaxHintKeys).Select(i => Keys.Slot(1000 + (ulong)i)).ToArray();
        var oversized = Hinted([K, .. filler], [L]); // MaxHintKeys + 2 keys
        var atLimit = Hinted([K, .. filler[..(ExecutionLimits.MaxHintKeys - 2)]], [M]); // exactly MaxHintKeys keys
        var (any, pred) = Build(
            Hinted([], [K]),   // 0
            oversized,         // 1: ignored entirely, its write to L is not recorded
            Hinted([L], []),   // 2: no known writer of L
            atLimit,           // 3: used: reads K written by 0
            Hinted([M], []));  // 4: M written by 3
        Assert.True(any);
        Assert.Equal([-1, -1, -1, 0, 3], pred);

        (any, pred) = Build(oversized, oversized);
        Assert.False(any);
        Assert.Equal([-1, -1], pred);
    }
}
