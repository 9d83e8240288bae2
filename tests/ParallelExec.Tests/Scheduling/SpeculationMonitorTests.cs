using ParallelExec.Execution;
using ParallelExec.Scheduling;

namespace ParallelExec.Tests.Scheduling;

public sealed class SpeculationMonitorTests
{
    private const int Window = 32;

    /// <summary>
    /// A monitor whose clock never moves, after the stretch that measures in-order execution: every
    /// payoff window then costs the same as in-order execution, so only contention pauses it.
    /// </summary>
    private static SpeculationMonitor ContentionOnly()
    {
        var monitor = new SpeculationMonitor(() => 0);
        Assert.Equal(0, Record(monitor, SpeculationMonitor.PayoffWindow + 1, failed: false));
        Assert.True(monitor.Sequential); // the first payoff window has nothing to compare with: measure
        Assert.Equal(SpeculationMonitor.MinPayoffStretch, StretchLength(monitor));
        Assert.Equal(0, monitor.InOrderCost);
        monitor.StartBlock();
        return monitor;
    }

    /// <summary>Records <paramref name="count"/> commits; returns how many of them reported a resume.</summary>
    private static int Record(SpeculationMonitor monitor, int count, bool failed)
    {
        int resumes = 0;
        for (int i = 0; i < count; i++) if (monitor.Record(failed)) resumes++;
        return resumes;
    }

    /// <summary>
    /// Counts commits until the monitor reports that its sequential stretch has ended (that commit
    /// included), checks that workers stay paused until the committer resumes them, and resumes.
    /// </summary>
    private static int StretchLength(SpeculationMonitor monitor)
    {
        Assert.True(monitor.Sequential);
        int n = 0;
        while (true)
        {
            n++;
            if (monitor.Record(validationFailed: false, speculated: false)) break;
            Assert.True(monitor.Sequential);
            Assert.True(n < 100_000);
        }
        Assert.True(monitor.Sequential); // still paused: the committer publishes first, then resumes
        monitor.Resume();
        Assert.False(monitor.Sequential);
        return n;
    }

    [Fact]
    public void Fewer_than_a_quarter_of_a_window_failing_keeps_speculating()
    {
        var monitor = ContentionOnly();
        for (int w = 0; w < 10; w++)
        {
            Assert.Equal(0, Record(monitor, Window / 4 - 1, failed: true));
            Assert.Equal(0, Record(monitor, Window - Window / 4 + 1, failed: false));
            Assert.False(monitor.Sequential);
        }
        Assert.Equal(0, monitor.Fallbacks);
    }

    [Fact]
    public void A_quarter_of_a_window_failing_starts_a_sequential_stretch_that_ends()
    {
        var monitor = ContentionOnly();
        Assert.Equal(0, Record(monitor, Window / 2, failed: false));
        Assert.Equal(0, Record(monitor, Window / 4 - 1, failed: true));
        Assert.False(monitor.Sequential);
        Assert.False(monitor.Record(validationFailed: true)); // the 8th failure of the window
        Assert.True(monitor.Sequential);
        Assert.Equal(1, monitor.Fallbacks);
        Assert.Equal(64, StretchLength(monitor));
    }

    [Fact]
    public void The_stretch_grows_fourfold_while_contention_persists_and_halves_after_clean_windows()
    {
        var monitor = ContentionOnly();
        var lengths = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            Record(monitor, Window / 4, failed: true);
            lengths.Add(StretchLength(monitor));
        }
        Assert.Equal([64, 256, 1024, 4096], lengths);
        // A window that is neither clean nor contended keeps the stretch.
        Record(monitor, Window / 4 - 1, failed: true);
        Record(monitor, Window - Window / 4 + 1, failed: false);
        // Two clean windows halve the next stretch twice (16384 -> 8192 -> 4096).
        Record(monitor, 2 * Window, failed: false);
        Record(monitor, Window / 4, failed: true);
        Assert.Equal(4096, StretchLength(monitor));
    }

    [Fact]
    public void Transactions_run_in_order_by_the_committer_do_not_count()
    {
        var monitor = ContentionOnly();
        for (int i = 0; i < 10 * Window; i++)
        {
            monitor.Record(validationFailed: false, speculated: false);
            if (i % 4 == 0) monitor.Record(validationFailed: true); // every speculative result stale
        }
        Assert.True(monitor.Fallbacks > 0);
    }

    [Fact]
    public void The_stretch_is_capped_and_carries_over_to_the_next_block()
    {
        var monitor = ContentionOnly();
        int last = 0;
        for (int i = 0; i < 12; i++)
        {
            Record(monitor, Window / 4, failed: true);
            last = StretchLength(monitor);
        }
        Assert.Equal(16_384, last);
        monitor.StartBlock();
        Assert.False(monitor.Sequential); // every block starts by speculating
        Assert.Equal(0, monitor.Fallbacks);
        Record(monitor, Window / 4, failed: true);
        Assert.Equal(16_384, StretchLength(monitor)); // with what earlier blocks taught
    }

    /// <summary>A clock the test moves: every commit takes a chosen number of ticks.</summary>
    private sealed class StepClock
    {
        public long Now;
        public long Read() => Now;
    }

    /// <summary>Records <paramref name="count"/> commits that take <paramref name="ticks"/> each; returns the resumes.</summary>
    private static int Commits(SpeculationMonitor monitor, StepClock clock, int count, long ticks, bool speculated)
    {
        int resumes = 0;
        for (int i = 0; i < count; i++)
        {
            clock.Now += ticks;
            if (monitor.Record(validationFailed: false, speculated)) resumes++;
        }
        return resumes;
    }

    /// <summary>Runs the current stretch in order at <paramref name="ticks"/> per transaction, resumes, and returns its length.</summary>
    private static int InOrderStretch(SpeculationMonitor monitor, StepClock clock, long ticks)
    {
        Assert.True(monitor.Sequential);
        int n = 0;
        while (true)
        {
            n++;
            clock.Now += ticks;
            if (monitor.Record(validationFailed: false, speculated: false)) break;
            Assert.True(n < 100_000);
        }
        monitor.Resume();
        return n;
    }

    [Fact]
    public void The_first_payoff_window_measures_in_order_execution_once()
    {
        var clock = new StepClock();
        var monitor = new SpeculationMonitor(clock.Read);
        Assert.Null(monitor.InOrderCost);
        Assert.Equal(0, Commits(monitor, clock, SpeculationMonitor.PayoffWindow, 5, speculated: true));
        Assert.False(monitor.Sequential);
        Commits(monitor, clock, 1, 5, speculated: true);
        Assert.True(monitor.Sequential);
        Assert.Equal(1, monitor.NoPayoffFallbacks);
        Assert.Equal(1, monitor.MeasuringFallbacks); // nothing lost: it only measures
        Assert.Equal(SpeculationMonitor.MinPayoffStretch, InOrderStretch(monitor, clock, 10));
        Assert.Equal(10, monitor.InOrderCost);
        // Speculation at half the in-order cost pays: it keeps going, window after window.
        Assert.Equal(0, Commits(monitor, clock, 10 * SpeculationMonitor.PayoffWindow, 5, speculated: true));
        Assert.False(monitor.Sequential);
        Assert.Equal(1, monitor.Fallbacks);
    }

    [Fact]
    public void Speculation_that_loses_pauses_for_stretches_that_grow_and_halve_when_it_wins_again()
    {
        var clock = new StepClock();
        var monitor = MeasuredInOrderAt10(clock);
        var lengths = new List<int>();
        for (int i = 0; i < 8; i++)
        {
            // Speculating at 12: one losing window is not enough, the second starts the stretch.
            Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 12, speculated: true);
            Assert.False(monitor.Sequential);
            Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 12, speculated: true);
            lengths.Add(InOrderStretch(monitor, clock, 10));
        }
        Assert.Equal([256, 1024, 4096, 16_384, 16_384, 16_384, 16_384, 16_384], lengths);
        Assert.Equal(9, monitor.NoPayoffFallbacks);
        Assert.Equal(1, monitor.MeasuringFallbacks); // the first; the eight others lost
        Assert.Equal(0, monitor.Fallbacks - monitor.NoPayoffFallbacks); // no contention involved

        // Two winning windows halve the next stretch twice.
        Commits(monitor, clock, 2 * (SpeculationMonitor.PayoffWindow + 1), 5, speculated: true);
        Assert.False(monitor.Sequential);
        Commits(monitor, clock, 2 * (SpeculationMonitor.PayoffWindow + 1), 12, speculated: true);
        Assert.Equal(4096, InOrderStretch(monitor, clock, 10));
    }

    [Fact]
    public void One_slow_window_between_winning_ones_starts_no_stretch()
    {
        var clock = new StepClock();
        var monitor = MeasuredInOrderAt10(clock);
        // Fewer windows than a re-measurement waits for: only noise could pause speculation here.
        for (int i = 0; i < (SpeculationMonitor.RemeasureAfterWindows - 2) / 2; i++)
        {
            Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 5, speculated: true);
            Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 40, speculated: true); // noise
            Assert.False(monitor.Sequential);
        }
        Assert.Equal(1, monitor.Fallbacks); // only the first, measuring stretch
    }

    [Fact]
    public void Results_speculated_before_the_pause_neither_end_the_stretch_nor_count_as_in_order_cost()
    {
        var clock = new StepClock();
        var monitor = new SpeculationMonitor(clock.Read);
        Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 5, speculated: true);
        Assert.True(monitor.Sequential);
        // 1,000 results the workers finished before pausing are validated quickly: 1 tick each.
        Assert.Equal(0, Commits(monitor, clock, 1000, 1, speculated: true));
        Assert.True(monitor.Sequential);
        Assert.Equal(SpeculationMonitor.MinPayoffStretch, InOrderStretch(monitor, clock, 10));
        Assert.Equal(10, monitor.InOrderCost);
    }

    /// <summary>A monitor on <paramref name="clock"/> whose first measuring stretch found in-order execution at 10 ticks a transaction.</summary>
    private static SpeculationMonitor MeasuredInOrderAt10(StepClock clock)
    {
        var monitor = new SpeculationMonitor(clock.Read);
        Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 12, speculated: true);
        InOrderStretch(monitor, clock, 10);
        return monitor;
    }

    [Fact]
    public void The_in_order_cost_carries_over_to_the_next_block_and_is_averaged_with_new_measurements()
    {
        var clock = new StepClock();
        var monitor = MeasuredInOrderAt10(clock);
        monitor.StartBlock();
        Assert.False(monitor.Sequential);
        Assert.Equal(0, monitor.Fallbacks);
        Assert.Equal(10, monitor.InOrderCost);
        // The next block's first two windows lose: a stretch (not a new measurement) whose cost is averaged in.
        Commits(monitor, clock, 2 * (SpeculationMonitor.PayoffWindow + 1), 12, speculated: true);
        Assert.Equal(SpeculationMonitor.MinPayoffStretch, InOrderStretch(monitor, clock, 20));
        Assert.Equal(15, monitor.InOrderCost);
        Assert.Equal((1, 0), (monitor.NoPayoffFallbacks, monitor.MeasuringFallbacks)); // lost, not measuring
    }

    [Fact]
    public void Winning_speculation_measures_the_in_order_cost_again_every_so_many_windows_and_counts_it_as_measuring()
    {
        var clock = new StepClock();
        var monitor = MeasuredInOrderAt10(clock);
        monitor.StartBlock();
        // Windows that win (5 ticks against 10) until the cost learned is that many windows old.
        for (int w = 1; w < SpeculationMonitor.RemeasureAfterWindows; w++)
        {
            Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 5, speculated: true);
            Assert.False(monitor.Sequential);
        }
        Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 5, speculated: true);
        Assert.True(monitor.Sequential);
        Assert.Equal((1, 1, 1), (monitor.Fallbacks, monitor.NoPayoffFallbacks, monitor.MeasuringFallbacks));
        Assert.Equal(SpeculationMonitor.MinPayoffStretch, InOrderStretch(monitor, clock, 10));
        // A new block starts the counts again; what was learned stays.
        monitor.StartBlock();
        Assert.Equal((0, 0, 0), (monitor.Fallbacks, monitor.NoPayoffFallbacks, monitor.MeasuringFallbacks));
        Assert.Equal(10, monitor.InOrderCost);
    }

    /// <summary>
    /// A speculating block of <paramref name="transactions"/> that contention pauses after its
    /// first window and that ends inside the stretch: lost to speculation.
    /// </summary>
    private static void LosingBlock(SpeculationMonitor monitor, int transactions)
    {
        Assert.True(monitor.StartBlock());
        Record(monitor, Window / 4, failed: true);
        Assert.True(monitor.Sequential);
        for (int i = Window / 4; i < transactions; i++)
            Assert.False(monitor.Record(validationFailed: false, speculated: false));
        monitor.EndBlock(transactions);
    }

    /// <summary>A speculating block whose every result is valid: speculation wins.</summary>
    private static void WinningBlock(SpeculationMonitor monitor, int transactions)
    {
        Assert.True(monitor.StartBlock());
        Assert.Equal(0, Record(monitor, transactions, failed: false));
        Assert.False(monitor.Sequential);
        monitor.EndBlock(transactions);
    }

    /// <summary>Starts <paramref name="count"/> blocks that the monitor runs wholly in order.</summary>
    private static void InOrderBlocks(SpeculationMonitor monitor, int count)
    {
        for (int b = 0; b < count; b++)
        {
            Assert.False(monitor.StartBlock(), $"in-order block {b + 1} of {count}");
            Assert.Equal(1, monitor.Fallbacks);
            monitor.EndBlock(48);
        }
    }

    [Fact]
    public void Blocks_lost_to_speculation_are_followed_by_in_order_blocks_with_probes_doubling_apart()
    {
        var monitor = ContentionOnly(); // the first contention stretch (64) outlasts a block of 48
        LosingBlock(monitor, 48);
        Assert.True(monitor.StartBlock()); // one lost block may be noise: still speculating
        monitor.EndBlock(48); // (a block whose speculation was not paused: not lost, nothing learned)
        LosingBlock(monitor, 48);
        LosingBlock(monitor, 48); // two in a row: the workload
        foreach (int gap in new[] { 1, 2, 4, 8, 16, SpeculationMonitor.MaxProbeGap, SpeculationMonitor.MaxProbeGap })
        {
            InOrderBlocks(monitor, gap);
            LosingBlock(monitor, 48); // the probe loses again: the gap doubles, up to the cap
        }
        InOrderBlocks(monitor, SpeculationMonitor.MaxProbeGap);
    }

    [Fact]
    public void A_probe_that_wins_ends_the_in_order_blocks()
    {
        var monitor = ContentionOnly();
        LosingBlock(monitor, 48);
        LosingBlock(monitor, 48);
        InOrderBlocks(monitor, 1);
        LosingBlock(monitor, 48);
        InOrderBlocks(monitor, 2);
        WinningBlock(monitor, 100);
        WinningBlock(monitor, 100); // speculating again, block after block
        LosingBlock(monitor, 48);
        LosingBlock(monitor, 48);
        InOrderBlocks(monitor, 1); // and new losses start the gap from one block again
        Assert.True(monitor.StartBlock());
    }

    [Fact]
    public void A_block_that_resumes_speculating_before_its_end_is_not_lost()
    {
        var monitor = ContentionOnly();
        Assert.True(monitor.StartBlock());
        Record(monitor, Window / 4, failed: true);
        Assert.Equal(64, StretchLength(monitor)); // the stretch ends inside the block
        Record(monitor, 100, failed: false);
        monitor.EndBlock(Window / 4 + 64 + 100);
        Assert.True(monitor.StartBlock());
    }

    [Fact]
    public void The_mode_option_forces_a_probe_or_an_in_order_block_without_moving_the_schedule()
    {
        var monitor = ContentionOnly();
        Assert.False(monitor.StartBlock(SpeculationMode.InOrder)); // asked for, not learned
        Assert.Equal(1, monitor.Fallbacks);
        monitor.EndBlock(48);
        Assert.True(monitor.StartBlock()); // nothing was lost: speculating
        monitor.EndBlock(48);

        LosingBlock(monitor, 48);
        LosingBlock(monitor, 48);
        Assert.True(monitor.StartBlock(SpeculationMode.SpeculateFirst)); // a forced probe that wins
        Assert.Equal(0, Record(monitor, 100, failed: false));
        monitor.EndBlock(100);
        Assert.True(monitor.StartBlock()); // the in-order block it replaced is not owed
    }

    [Fact]
    public void A_block_slower_than_in_order_execution_is_lost_even_without_a_long_stretch()
    {
        var clock = new StepClock();
        var monitor = MeasuredInOrderAt10(clock);
        for (int b = 0; b < 3; b++)
        {
            Assert.True(monitor.StartBlock());
            monitor.EndBlock(1000, elapsedTicks: 7_000); // clearly faster than in order: won
        }
        Assert.True(monitor.StartBlock());
        monitor.EndBlock(1000, elapsedTicks: 10_001); // slower: lost (once may be noise)
        Assert.True(monitor.StartBlock());
        monitor.EndBlock(1000, elapsedTicks: 10_001);
        InOrderBlocks(monitor, 1);
        Assert.True(monitor.StartBlock()); // the probe
        monitor.EndBlock(1000, elapsedTicks: 7_000);
        Assert.True(monitor.StartBlock()); // won: speculating again
    }

    [Fact]
    public void A_narrow_win_against_the_stretches_cost_is_checked_against_a_block_run_wholly_in_order()
    {
        var clock = new StepClock();
        var monitor = MeasuredInOrderAt10(clock);
        Assert.True(monitor.StartBlock());
        monitor.EndBlock(1000, elapsedTicks: 9_500); // beats the stretches by 5 %: narrow
        Assert.False(monitor.StartBlock()); // the next block runs in order, to measure
        Assert.Equal(1, monitor.Fallbacks);
        monitor.EndBlock(1000, elapsedTicks: 8_000); // whole blocks in order cost 8 a transaction
        // Against that, 9,500 loses: twice, and blocks run in order (probes between them).
        Assert.True(monitor.StartBlock());
        monitor.EndBlock(1000, elapsedTicks: 9_500);
        Assert.True(monitor.StartBlock());
        monitor.EndBlock(1000, elapsedTicks: 9_500);
        Assert.False(monitor.StartBlock());
    }

    [Fact]
    public void Clear_wins_run_no_block_in_order_and_narrow_ones_remeasure_only_when_the_block_cost_is_old()
    {
        var clock = new StepClock();
        var monitor = MeasuredInOrderAt10(clock);
        for (int b = 0; b < 40; b++)
        {
            Assert.True(monitor.StartBlock(), $"block {b}");
            monitor.EndBlock(1000, elapsedTicks: 7_000); // beats in order by 30 %
        }
        Assert.True(monitor.StartBlock());
        monitor.EndBlock(1000, elapsedTicks: 9_000); // narrow
        Assert.False(monitor.StartBlock()); // measured on a whole block
        monitor.EndBlock(1000, elapsedTicks: 10_000);
        for (int b = 1; b < SpeculationMonitor.BlockCostMaxAge; b++)
        {
            Assert.True(monitor.StartBlock(), $"block {b} after the measurement");
            monitor.EndBlock(1000, elapsedTicks: 9_000); // narrow, but the block cost is fresh
        }
        Assert.True(monitor.StartBlock());
        monitor.EndBlock(1000, elapsedTicks: 9_000); // narrow, and the block cost is 16 blocks old
        Assert.False(monitor.StartBlock());
    }

    /// <summary>
    /// Runs a speculating block of <paramref name="transactions"/> on the step clock: commits cost
    /// <paramref name="speculativeTicks"/> while speculating and <paramref name="inOrderTicks"/> in
    /// the stretches the monitor asks for. Returns false (running nothing) when the monitor runs
    /// the block wholly in order; such a block costs <paramref name="inOrderTicks"/> a transaction.
    /// </summary>
    private static bool SimulatedBlock(SpeculationMonitor monitor, StepClock clock, int transactions, long speculativeTicks, long inOrderTicks)
    {
        long start = clock.Now;
        if (!monitor.StartBlock())
        {
            clock.Now += transactions * inOrderTicks;
            monitor.EndBlock(transactions, clock.Now - start);
            return false;
        }
        for (int i = 0; i < transactions; i++)
        {
            bool inOrder = monitor.Sequential;
            clock.Now += inOrder ? inOrderTicks : speculativeTicks;
            if (monitor.Record(validationFailed: false, speculated: !inOrder)) monitor.Resume();
        }
        monitor.EndBlock(transactions, clock.Now - start);
        return true;
    }

    [Fact]
    public void A_cost_learned_while_the_jit_was_cold_is_replaced_and_losing_speculation_found()
    {
        // The first measuring stretch runs cold: 30 ticks a transaction. Warm, in order costs 10 and
        // speculating costs 15 a commit: speculation loses, though it beats the cold figure by 2x.
        var clock = new StepClock();
        var monitor = new SpeculationMonitor(clock.Read);
        Assert.True(monitor.StartBlock());
        Commits(monitor, clock, SpeculationMonitor.PayoffWindow + 1, 15, speculated: true);
        Assert.Equal(SpeculationMonitor.MinPayoffStretch, InOrderStretch(monitor, clock, 30));
        Assert.Equal(30, monitor.InOrderCost);

        int speculatingBlocks = 0, inOrderBlocks = 0;
        for (int b = 0; b < 40; b++)
        {
            if (SimulatedBlock(monitor, clock, 10_000, speculativeTicks: 15, inOrderTicks: 10)) speculatingBlocks++;
            else inOrderBlocks++;
        }
        // Re-measured while speculating, then by the in-order blocks themselves: the warm cost.
        Assert.InRange(monitor.InOrderCost!.Value, 10, 10.5);
        Assert.True(inOrderBlocks >= 30, $"{inOrderBlocks} of 40 blocks ran in order ({speculatingBlocks} speculated)");
    }

    [Fact]
    public void Speculation_that_wins_keeps_winning_with_a_short_measuring_stretch_now_and_then()
    {
        var clock = new StepClock();
        var monitor = new SpeculationMonitor(clock.Read);
        for (int b = 0; b < 20; b++)
            Assert.True(SimulatedBlock(monitor, clock, 10_000, speculativeTicks: 6, inOrderTicks: 10), $"block {b}");
        Assert.Equal(10, monitor.InOrderCost);
        // One measuring stretch of 256 per 32 windows of 256: about 3 % of commits run in order.
        long total = 20 * 10_000L, inOrderCommits = (clock.Now - total * 6) / 4;
        Assert.InRange(inOrderCommits / (double)total, 0.02, 0.04);
    }

    [Fact]
    public void Blocks_run_wholly_in_order_measure_the_in_order_cost()
    {
        var monitor = ContentionOnly();
        LosingBlock(monitor, 48);
        LosingBlock(monitor, 48);
        Assert.False(monitor.StartBlock());
        monitor.EndBlock(48, elapsedTicks: 48 * 8);
        Assert.Equal(4, monitor.InOrderCost); // (0 + 8) / 2: each measurement weighs half
        Assert.True(monitor.StartBlock()); // the probe
        monitor.EndBlock(1, elapsedTicks: 0);
    }
}
