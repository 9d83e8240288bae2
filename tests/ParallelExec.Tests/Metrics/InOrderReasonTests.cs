using ParallelExec.Execution;
using ParallelExec.Metrics;

namespace ParallelExec.Tests.Metrics;

public sealed class InOrderReasonTests
{
    // A speculating block of 10,000 on two workers: `inOrder` run by the committer, the rest speculated.
    private static BlockExecutionStats Speculated(long inOrder, long fallbacks, long measuring, long stale = 0) => new()
    {
        Executor = "parallel",
        Workers = 2,
        Transactions = 10_000,
        Executions = 10_000 + stale,
        Reexecutions = stale,
        ValidationFailures = stale,
        CommitterExecutions = inOrder,
        SequentialFallbacks = fallbacks,
        MeasuringStretches = measuring,
    };

    private static BlockExecutionStats WhollyInOrder() => new()
    {
        Executor = "parallel",
        Workers = 2,
        Transactions = 10_000,
        Executions = 10_000,
        CommitterExecutions = 10_000,
        SequentialFallbacks = 1,
    };

    [Fact]
    public void Stretches_that_only_measured_the_in_order_cost_are_measuring_not_no_payoff()
    {
        Assert.Equal(InOrderReason.Measuring, InOrderReason.Of(Speculated(inOrder: 256, fallbacks: 1, measuring: 1), SpeculationMode.Adaptive, null));
        Assert.Equal(InOrderReason.Measuring, InOrderReason.Of(Speculated(inOrder: 512, fallbacks: 2, measuring: 2), SpeculationMode.SpeculateFirst, null));
        // One stretch that started because speculation lost makes it no payoff.
        Assert.Equal(InOrderReason.NoPayoff, InOrderReason.Of(Speculated(inOrder: 768, fallbacks: 2, measuring: 1), SpeculationMode.Adaptive, null));
        Assert.Equal(InOrderReason.NoPayoff, InOrderReason.Of(Speculated(inOrder: 256, fallbacks: 1, measuring: 0), SpeculationMode.Adaptive, null));
        // Stale results drove the stretches, whatever measured beside them.
        Assert.Equal(InOrderReason.Contention, InOrderReason.Of(Speculated(inOrder: 4_000, fallbacks: 3, measuring: 1, stale: 1_000), SpeculationMode.Adaptive, null));
    }

    [Fact]
    public void A_block_run_wholly_in_order_names_what_was_learned_and_never_measuring()
    {
        Assert.Equal(InOrderReason.Contention, InOrderReason.Of(WhollyInOrder(), SpeculationMode.Adaptive, InOrderReason.Contention));
        // The blocks it learned from lost on their own time while their stretches only measured: no payoff.
        Assert.Equal(InOrderReason.NoPayoff, InOrderReason.Of(WhollyInOrder(), SpeculationMode.Adaptive, InOrderReason.Measuring));
        Assert.Equal(InOrderReason.NoPayoff, InOrderReason.Of(WhollyInOrder(), SpeculationMode.Adaptive, null));
        Assert.Equal(InOrderReason.Forced, InOrderReason.Of(WhollyInOrder(), SpeculationMode.InOrder, null));
    }

    [Fact]
    public void No_reason_without_in_order_transactions_and_every_reason_has_a_meaning()
    {
        Assert.Null(InOrderReason.Of(Speculated(inOrder: 0, fallbacks: 0, measuring: 0), SpeculationMode.Adaptive, null));
        Assert.Throws<ArgumentNullException>(() => InOrderReason.Of(null!, SpeculationMode.Adaptive, null));
        Assert.Equal(InOrderReason.OneWorker, InOrderReason.Of(WhollyInOrder() with { Workers = 1, SequentialFallbacks = 0 }, SpeculationMode.Adaptive, null));
        foreach (var reason in new[] { InOrderReason.OneWorker, InOrderReason.Forced, InOrderReason.Contention, InOrderReason.NoPayoff,
                     InOrderReason.Measuring, InOrderReason.Hints, InOrderReason.Takeover, InOrderReason.Reexecution })
            Assert.False(string.IsNullOrWhiteSpace(InOrderReason.Meanings[reason]), reason);
    }
}
