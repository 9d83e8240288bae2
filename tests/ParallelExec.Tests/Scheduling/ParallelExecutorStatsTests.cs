using System.Diagnostics.Metrics;
using ParallelExec.Execution;
using ParallelExec.Metrics;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Tests.Execution.UnitTests;
using ParallelExec.Transactions;

namespace ParallelExec.Tests.Scheduling;

public sealed class ParallelExecutorStatsTests
{
    private static readonly Address Collection = Address.FromNumber(5, tag: 0xC0);

    private static Block ContendedMints(int count) => new(Keys.Header,
        Enumerable.Range(0, count).Select(i => (ITransaction)new CounterMint(Address.FromNumber((ulong)i + 1), 0, 0, Collection)).ToArray());

    private static Block IndependentIncrements(int count) => new(Keys.Header,
        Enumerable.Range(0, count).Select(i => (ITransaction)LambdaTransaction.Increment(Keys.Slot(10 + (ulong)i))).ToArray());

    [Fact]
    public void A_fully_contended_block_falls_back_to_in_order_execution_and_matches_sequential()
    {
        // Long enough (~2 ms) that the workers are running before the committer is through it: with 300
        // mints (~0.3 ms) the committer alone sometimes finished every round, on a machine busy with
        // the other test classes, before a woken worker had a result to validate.
        const int Count = 3_000;
        var block = ContendedMints(Count);
        var state = new InMemoryState();
        var expected = new SequentialExecutor().Execute(block, state);
        Assert.All(expected.Receipts, r => Assert.True(r.Success, r.ToString()));
        Assert.Contains(new StateChange(CounterMint.Counter(Collection), Count), expected.Changes);

        // Four workers on any number of cores: on a busy machine (the other test classes run beside
        // this one) a lone second worker may not be scheduled during a whole block, and the committer
        // then takes everything over, in order. Until both paths have shown, at most 2,000 rounds.
        using var parallel = new ParallelExecutor(4, oversubscribe: true);
        long failures = 0, fallbacks = 0, inOrderToEnd = 0;
        for (int round = 0; round < 10 || ((failures == 0 || fallbacks == 0 || inOrderToEnd == 0) && round < 2_000); round++)
        {
            // Forced to start speculating (else, after two lost blocks, it would rightly run them in order).
            var result = parallel.Execute(block, state, new ExecutionOptions { Speculation = SpeculationMode.SpeculateFirst });
            Assert.True(expected.ContentEquals(result), expected.DescribeFirstDifference(result));
            var stats = result.Stats;
            Assert.Equal("parallel", stats.Executor);
            Assert.Equal(4, stats.Workers);
            Assert.Equal(Count, stats.Transactions);
            Assert.Equal(stats.ValidationFailures, stats.Reexecutions);
            Assert.True(stats.Executions <= 2 * Count + stats.Takeovers, stats.ToString()); // at most twice, plus a take-over's dropped run
            Assert.Equal(Count, stats.SpeculativeCommits + stats.CommitterExecutions); // each committed once, one way or the other
            failures += stats.ValidationFailures;
            fallbacks += stats.SequentialFallbacks;
            if (stats.InOrderToEnd) inOrderToEnd++;
        }
        // Every speculative result past the committer is stale: the monitor must have seen it and paused.
        Assert.True(failures > 0, "no speculative result was validated: speculation never ran");
        Assert.True(fallbacks > 0, $"{failures} stale results and no in-order stretch");
        // The stretch grows while contention persists until it outlasts the block: then the rest of the
        // block runs as a block in order does (entries by key), and still matches.
        Assert.True(inOrderToEnd > 0, $"{fallbacks} in-order stretches, none outlasting its block");
    }

    [Fact]
    public void A_fresh_executor_measures_the_in_order_cost_in_its_first_speculating_block_and_counts_it_as_measuring()
    {
        // Independent transactions (nothing goes stale): the first payoff window (256 commits) has no
        // in-order cost to compare with, so a stretch measures it, whatever the timing.
        var block = IndependentIncrements(2_000);
        var state = new InMemoryState();
        var expected = new SequentialExecutor().Execute(block, state);
        using var parallel = new ParallelExecutor(2, oversubscribe: true);
        var result = parallel.Execute(block, state, new ExecutionOptions { Speculation = SpeculationMode.SpeculateFirst });
        Assert.True(expected.ContentEquals(result), expected.DescribeFirstDifference(result));
        var stats = result.Stats;
        Assert.Equal(0, stats.ValidationFailures);
        Assert.True(stats.MeasuringStretches >= 1, stats.ToString());
        Assert.True(stats.MeasuringStretches <= stats.SequentialFallbacks, stats.ToString());
        // A block asked to run in order measured nothing: it ran in order because it was asked to.
        var inOrder = parallel.Execute(block, state, new ExecutionOptions { Speculation = SpeculationMode.InOrder }).Stats;
        Assert.Equal((1, 0L), (inOrder.SequentialFallbacks, inOrder.MeasuringStretches));
    }

    [Fact]
    public void A_block_asked_to_run_in_order_runs_each_transaction_once_on_the_committer()
    {
        var block = ContendedMints(300);
        var state = new InMemoryState();
        var expected = new SequentialExecutor().Execute(block, state);
        using var parallel = new ParallelExecutor(4, oversubscribe: true);
        var result = parallel.Execute(block, state, new ExecutionOptions { Speculation = SpeculationMode.InOrder });
        Assert.True(expected.ContentEquals(result), expected.DescribeFirstDifference(result));
        var stats = result.Stats;
        Assert.Equal(300, stats.Executions);
        Assert.Equal(300, stats.CommitterExecutions);
        Assert.Equal(0, stats.Reexecutions);
        Assert.Equal(1, stats.SequentialFallbacks);
    }

    [Fact]
    public void Contended_and_independent_blocks_in_turn_match_sequential_whichever_way_the_executor_runs_them()
    {
        // Contended blocks teach the executor to run the next blocks in order; independent ones
        // (when probed) to speculate again. Which blocks take which path depends on timing: the
        // results may not.
        using var parallel = new ParallelExecutor(2);
        var state = new InMemoryState();
        for (int b = 0; b < 60; b++)
        {
            var block = (b / 10) % 2 == 0 ? ContendedMints(200) : IndependentIncrements(200);
            var expected = new SequentialExecutor().Execute(block, state);
            var result = parallel.Execute(block, state);
            Assert.True(expected.ContentEquals(result), $"block {b}: {expected.DescribeFirstDifference(result)}");
            state.Apply(expected.Changes);
        }
    }

    [Fact]
    public void Executions_count_every_incarnation()
    {
        // Each transaction runs once (speculatively or by the committer), plus once more per failed validation.
        using var parallel = new ParallelExecutor(4, oversubscribe: true);
        var state = new InMemoryState();
        var random = new Random(12345);
        for (int b = 0; b < 300; b++)
        {
            int n = random.Next(50, 300);
            var txs = new ITransaction[n];
            for (int i = 0; i < n; i++)
                txs[i] = random.Next(3) == 0
                    ? new CounterMint(Address.FromNumber((ulong)i + 1), 0, 0, Collection)
                    : LambdaTransaction.Increment(Keys.Slot((ulong)random.Next(4, 40)));
            var stats = parallel.Execute(new Block(Keys.Header, txs), state).Stats;
            Assert.True(stats.Executions == n + stats.Reexecutions, $"block {b}: {stats}");
        }
    }

    [Fact]
    public void An_independent_block_on_one_worker_has_no_validation_failures()
    {
        var block = IndependentIncrements(64);
        var state = new InMemoryState();
        using var parallel = new ParallelExecutor(1);
        var result = parallel.Execute(block, state);
        var expected = new SequentialExecutor().Execute(block, state);
        Assert.True(expected.ContentEquals(result), expected.DescribeFirstDifference(result));
        var stats = result.Stats;
        Assert.Equal(1, stats.Workers);
        Assert.Equal(0, stats.ValidationFailures);
        Assert.Equal(0, stats.Reexecutions);
        Assert.Equal(0, stats.SequentialFallbacks);
        Assert.Equal(64, stats.Executions);
        Assert.Equal(64, result.Changes.Length);
    }

    [Fact]
    public void An_independent_block_on_four_workers_matches_sequential_and_runs_each_transaction_at_most_twice()
    {
        var block = IndependentIncrements(200);
        var state = new InMemoryState();
        using var parallel = new ParallelExecutor(4, oversubscribe: true);
        var expected = new SequentialExecutor().Execute(block, state);
        for (int round = 0; round < 3; round++)
        {
            var result = parallel.Execute(block, state);
            Assert.True(expected.ContentEquals(result), expected.DescribeFirstDifference(result));
            Assert.Equal(0, result.Stats.ValidationFailures); // no transaction reads another's key
            Assert.Equal(0, result.Stats.Reexecutions);
            Assert.True(result.Stats.Executions <= 200, result.Stats.ToString());
        }
    }

    [Fact]
    public void Recorded_dependencies_match_sequential()
    {
        var block = ContendedMints(20);
        var options = new ExecutionOptions { RecordDependencies = true };
        var expected = new SequentialExecutor().Execute(block, new InMemoryState(), options);
        Assert.NotNull(expected.Dependencies);
        for (int i = 1; i < 20; i++) Assert.Contains((i - 1, i), expected.Dependencies);
        using var parallel = new ParallelExecutor(2);
        var result = parallel.Execute(block, new InMemoryState(), options);
        Assert.Equal(expected.Dependencies, result.Dependencies);
        Assert.Null(parallel.Execute(block, new InMemoryState()).Dependencies);
    }

    [Fact]
    public void The_transactions_counter_grows_by_the_block_size()
    {
        int thread = Environment.CurrentManagedThreadId;
        var totals = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ExecutionMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            // Other tests execute blocks concurrently: count only this test's thread (Record runs on the caller's thread).
            if (Environment.CurrentManagedThreadId != thread) return;
            string executor = "";
            foreach (var tag in tags) if (tag.Key == "executor") executor = tag.Value as string ?? "";
            string name = instrument.Name + "/" + executor;
            lock (totals) totals[name] = totals.GetValueOrDefault(name) + value;
        });
        listener.Start();

        using var parallel = new ParallelExecutor(2);
        parallel.Execute(IndependentIncrements(37), new InMemoryState());
        new SequentialExecutor().Execute(IndependentIncrements(11), new InMemoryState());
        parallel.Execute(ContendedMints(5), new InMemoryState());

        Assert.Equal(42, totals.GetValueOrDefault("parallelexec.transactions/parallel"));
        Assert.Equal(11, totals.GetValueOrDefault("parallelexec.transactions/sequential"));
        Assert.Equal(2, totals.GetValueOrDefault("parallelexec.blocks/parallel"));
        Assert.Equal(1, totals.GetValueOrDefault("parallelexec.blocks/sequential"));
        Assert.Equal(11, totals.GetValueOrDefault("parallelexec.executions/sequential"));
        Assert.True(totals.GetValueOrDefault("parallelexec.executions/parallel") >= 42);
    }

    [Fact]
    public void Worker_count_is_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParallelExecutor(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParallelExecutor(257));
    }

    [Fact]
    public void At_most_one_worker_per_core_runs_a_block_unless_oversubscribed()
    {
        int cores = Environment.ProcessorCount;
        using var capped = new ParallelExecutor(cores + 3);
        Assert.Equal(cores + 3, capped.Workers);
        Assert.Equal(cores, capped.ActiveWorkers);
        using var oversubscribed = new ParallelExecutor(cores + 3, oversubscribe: true);
        Assert.Equal(cores + 3, oversubscribed.ActiveWorkers);

        var block = IndependentIncrements(100);
        var expected = new SequentialExecutor().Execute(block, new InMemoryState());
        var options = new ExecutionOptions { Speculation = SpeculationMode.SpeculateFirst };
        var result = capped.Execute(block, new InMemoryState(), options);
        Assert.True(expected.ContentEquals(result), expected.DescribeFirstDifference(result));
        Assert.Equal(cores, result.Stats.Workers);
        Assert.Equal(cores + 3, oversubscribed.Execute(block, new InMemoryState(), options).Stats.Workers);
    }
}
