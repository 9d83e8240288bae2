using ParallelExec.Execution;
using ParallelExec.Scheduling;

namespace ParallelExec.Tests.Scheduling;

public sealed class ContentionMonitorTests
{
    private const int Window = 32;

    /// <summary>Records <paramref name="count"/> commits; returns how many of them reported a resume.</summary>
    private static int Record(ContentionMonitor monitor, int count, bool failed)
    {
        int resumes = 0;
        for (int i = 0; i < count; i++) if (monitor.Record(failed)) resumes++;
        return resumes;
    }

    /// <summary>
    /// Counts commits until the monitor reports that its sequential stretch has ended (that commit
    /// included), checks that workers stay paused until the committer resumes them, and resumes.
    /// </summary>
    private static int StretchLength(ContentionMonitor monitor)
    {
        Assert.True(monitor.Sequential);
        int n = 0;
        while (true)
        {
            n++;
            if (monitor.Record(validationFailed: true)) break;
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
        var monitor = new ContentionMonitor();
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
        var monitor = new ContentionMonitor();
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
        var monitor = new ContentionMonitor();
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
        var monitor = new ContentionMonitor();
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
        var monitor = new ContentionMonitor();
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
}

public sealed class WorkerGroupTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(9)]
    public void Run_calls_the_body_once_on_every_worker_and_waits(int workers)
    {
        using var group = new WorkerGroup(workers);
        Assert.Equal(workers, group.Count);
        for (int round = 0; round < 3; round++)
        {
            var calls = new int[workers];
            var threads = new int[workers];
            group.Run(w =>
            {
                Thread.Sleep(w == workers - 1 ? 20 : 0); // the slowest must still be waited for
                Interlocked.Increment(ref calls[w]);
                threads[w] = Environment.CurrentManagedThreadId;
            });
            Assert.All(calls, c => Assert.Equal(1, c));
            Assert.Equal(Environment.CurrentManagedThreadId, threads[0]); // the caller is worker 0
            Assert.Equal(workers, threads.Distinct().Count());
        }
    }

    [Fact]
    public void A_worker_fault_is_rethrown_as_an_engine_fault_and_the_group_stays_usable()
    {
        using var group = new WorkerGroup(3);
        var completed = new int[3];
        var e = Assert.Throws<EngineFaultException>(() => group.Run(w =>
        {
            if (w == 2) throw new InvalidOperationException("worker 2 broke");
            Interlocked.Increment(ref completed[w]);
        }));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("worker 2 broke", e.Message);
        Assert.Equal([1, 1, 0], completed);

        var original = new EngineFaultException("storage");
        Assert.Same(original, Assert.Throws<EngineFaultException>(() => group.Run(w => { if (w == 0) throw original; })));

        var again = new int[3];
        group.Run(w => again[w]++);
        Assert.Equal([1, 1, 1], again);
    }

    [Fact]
    public void Run_after_Dispose_throws()
    {
        var group = new WorkerGroup(2);
        group.Dispose();
        group.Dispose();
        Assert.Throws<ObjectDisposedException>(() => group.Run(_ => { }));
    }
}
