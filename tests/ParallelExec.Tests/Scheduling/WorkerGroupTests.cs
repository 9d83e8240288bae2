using ParallelExec.Execution;
using ParallelExec.Scheduling;

namespace ParallelExec.Tests.Scheduling;

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
