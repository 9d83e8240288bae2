using System.Collections.Concurrent;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using static ParallelExec.Storage.Tests.PipelineTests;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <see cref="ChainPipeline.Run(IEnumerable{PipelineBlock}, Action{CommittedBlock}?, CancellationToken)"/>
/// stopped from outside — its token cancelled, or its report callback throwing — stops between blocks,
/// reports every block it committed, leaves the store at that block and the chain usable. The points
/// where the run is stopped are chosen by hooks, not timing.
/// </summary>
public class PipelineCancellationTests
{
    public static TheoryData<bool> Overlaps => new() { true, false };

    [Theory]
    [MemberData(nameof(Overlaps))]
    public void A_run_cancelled_before_it_starts_executes_nothing(bool overlap)
    {
        var (workload, expected, states) = Reference(6, 31);
        using var store = new InMemoryStateStore(Retention);
        var chain = Create(store, workload);
        var executed = new ConcurrentQueue<long>();
        var executor = new FaultyExecutor(new SequentialExecutor()) { Starting = executed.Enqueue };
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new ChainPipeline(chain, executor, overlap).Run(PipelineTests.Blocks(workload, 0, 6), null, cancelled.Token));

        Assert.Empty(executed);
        Assert.Equal(0, store.Head.Number);
        AssertChainGoesOn(chain, executor, workload, 0, expected[6], states[6]);
    }

    [Theory]
    [MemberData(nameof(PipelineTests.Stores), MemberType = typeof(PipelineTests))]
    public void Cancelling_mid_run_reports_every_committed_block_and_leaves_the_store_at_the_last(bool rocks)
    {
        // Cancelled while block n is reported: n+1 may be committed still (it may already be with the
        // commit stage), nothing after it; no block after n+2 is executed.
        const int blocks = 10, n = 4;
        var (workload, expected, states) = Reference(blocks, 37);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        var executed = new ConcurrentQueue<long>();
        var executor = new FaultyExecutor(parallel) { Starting = executed.Enqueue };
        using var cancellation = new CancellationTokenSource();
        var committed = new List<long>();

        Assert.ThrowsAny<OperationCanceledException>(() => new ChainPipeline(chain, executor).Run(PipelineTests.Blocks(workload, 0, blocks), c =>
        {
            committed.Add(c.Block.Number);
            if (c.Block.Number == n) cancellation.Cancel();
        }, cancellation.Token));

        long head = store.Head.Number;
        Assert.InRange(head, n, n + 1);
        Assert.Equal(Enumerable.Range(1, (int)head).Select(x => (long)x), committed);
        Assert.Equal(expected[head], store.Head.StateRoot);
        Assert.Equal(states[head], Sorted(store.Entries()));
        Assert.InRange(executed.Max(), n, n + 2);
        // A block hashed but not committed was discarded: the chain goes on from the head.
        AssertChainGoesOn(chain, parallel, workload, (int)head, expected[blocks], states[blocks]);
    }

    [Theory]
    [MemberData(nameof(PipelineTests.Stores), MemberType = typeof(PipelineTests))]
    public void A_report_callback_that_throws_stops_the_run_at_the_block_it_was_given(bool rocks)
    {
        // While block n is reported no other commit runs, so the store stays exactly at n.
        const int blocks = 9, n = 3;
        var (workload, expected, states) = Reference(blocks, 41);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        var committed = new List<long>();

        var error = Assert.Throws<InjectedFaultException>(() => new ChainPipeline(chain, parallel).Run(PipelineTests.Blocks(workload, 0, blocks), c =>
        {
            committed.Add(c.Block.Number);
            Assert.Equal(c.Block, store.Head);
            if (c.Block.Number == n) throw new InjectedFaultException("injected callback failure");
        }));

        Assert.Equal("injected callback failure", error.Message);
        Assert.Equal(Enumerable.Range(1, n).Select(x => (long)x), committed);
        Assert.Equal(new StoredBlock(n, expected[n], HashOf(workload.Blocks[n - 1])), store.Head);
        Assert.Equal(states[n], Sorted(store.Entries()));
        AssertChainGoesOn(chain, parallel, workload, n, expected[blocks], states[blocks]);
    }
}
