using System.Collections.Concurrent;
using System.Threading.Channels;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.PipelineTests;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <see cref="ChainPipeline.RunAsync"/>, a node's loop: blocks arrive on a channel written by another
/// task, committed blocks come back as an async sequence. It gives the roots and states one block at a
/// time gives, resumes after its head, ends at a rejection, a failure (of a stage, or of the writer)
/// or a cancellation with the store at its last committed block, and while the consumer handles a
/// block the store's head is that block.
/// </summary>
public class PipelineNodeLoopTests
{
    public static TheoryData<bool, bool> StoresAndOverlaps()
    {
        var data = new TheoryData<bool, bool>();
        foreach (bool rocks in new[] { false, true })
            foreach (bool overlap in new[] { true, false })
                data.Add(rocks, overlap);
        return data;
    }

    /// <summary>A bounded channel a producer task fills with blocks [from, to), then completes (with <paramref name="error"/>, if any).</summary>
    private static ChannelReader<PipelineBlock> Arriving(Workload workload, int from, int to, long reject = -1, Exception? error = null)
    {
        var channel = Channel.CreateBounded<PipelineBlock>(2);
        _ = Task.Run(async () =>
        {
            foreach (var block in PipelineTests.Blocks(workload, from, to, reject)) await channel.Writer.WriteAsync(block);
            channel.Writer.Complete(error);
        });
        return channel.Reader;
    }

    [Theory]
    [MemberData(nameof(StoresAndOverlaps))]
    public async Task A_node_loop_commits_every_arriving_block_in_order_and_resumes_after_its_head(bool rocks, bool overlap)
    {
        const int blocks = 12, first = 7;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {Describe(rocks)}, overlap {overlap}";
        var workload = Workload(blocks: blocks, txs: 60, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 20);
        var (expected, states) = (ReferenceRoots(workload), ReferenceStates(workload));
        using var dir = new TempDir();
        using var inner = NewStore(rocks, dir);
        // Overlapped, block N's commit waits until N+1 has been executed: the stages really overlap.
        OverlapGate? gate = null;
        var store = overlap ? Overlapped(inner, first, out gate) : new FaultyStore(inner);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        IBlockExecutor executor = gate is null ? parallel : new FaultyExecutor(parallel) { Finished = gate.Executed };
        var pipeline = new ChainPipeline(chain, executor, overlap);
        var yielded = new List<long>();

        await foreach (var done in pipeline.RunAsync(Arriving(workload, 0, first)))
        {
            Assert.True(done.Committed, at);
            Assert.True(expected[done.Block.Number] == done.Block.StateRoot, $"{at}: root of block {done.Block.Number}");
            Assert.True(done.Block == store.Head, $"{at}: block {done.Block.Number} yielded while the head is {store.Head}");
            yielded.Add(done.Block.Number);
        }
        Assert.Equal(Enumerable.Range(1, first).Select(x => (long)x), yielded);
        Assert.Equal(states[first], Sorted(store.Entries()));

        // The node's next blocks go on after the head.
        store.BeforeCommit = null;
        await foreach (var done in pipeline.RunAsync(Arriving(workload, first, blocks))) yielded.Add(done.Block.Number);
        Assert.Equal(Enumerable.Range(1, blocks).Select(x => (long)x), yielded);
        Assert.Equal(expected[blocks], store.Head.StateRoot);
        Assert.Equal(states[blocks], Sorted(store.Entries()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_loop_ends_at_the_first_failure_with_the_blocks_before_it_committed(bool inExecutor)
    {
        // A block whose execution fails, or the node completing its channel with an error after block n - 1.
        const int blocks = 8, n = 5;
        var (workload, expected, states) = Reference(blocks, 43);
        using var store = new InMemoryStateStore(Retention);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        var executor = new FaultyExecutor(parallel, failAt: inExecutor ? n : -1);
        var input = inExecutor ? Arriving(workload, 0, blocks) : Arriving(workload, 0, n - 1, error: new InjectedFaultException("the node's source failed"));
        var yielded = new List<long>();

        await Assert.ThrowsAsync<InjectedFaultException>(async () =>
        {
            await foreach (var done in new ChainPipeline(chain, executor).RunAsync(input)) yielded.Add(done.Block.Number);
        });

        Assert.Equal(Enumerable.Range(1, n - 1).Select(x => (long)x), yielded);
        Assert.Equal(expected[n - 1], store.Head.StateRoot);
        Assert.Equal(states[n - 1], Sorted(store.Entries()));
        AssertChainGoesOn(chain, parallel, workload, n - 1, expected[blocks], states[blocks]);
    }

    [Fact]
    public async Task A_node_loop_yields_a_rejected_block_last_and_commits_nothing_after_it()
    {
        const int blocks = 9, reject = 6;
        var (workload, expected, states) = Reference(blocks, 47);
        using var store = new InMemoryStateStore(Retention);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        var executed = new ConcurrentQueue<long>();
        var yielded = new List<CommittedBlock>();

        await foreach (var done in new ChainPipeline(chain, new FaultyExecutor(parallel) { Starting = executed.Enqueue }).RunAsync(Arriving(workload, 0, blocks, reject)))
            yielded.Add(done);

        Assert.Equal(Enumerable.Range(1, reject).Select(x => (long)x), yielded.Select(c => c.Block.Number));
        Assert.All(yielded[..^1], c => Assert.True(c.Committed));
        Assert.False(yielded[^1].Committed);
        Assert.Equal(expected[reject], yielded[^1].Block.StateRoot);
        Assert.Equal(reject - 1, store.Head.Number);
        Assert.InRange(executed.Max(), reject, reject + 1);
        AssertChainGoesOn(chain, parallel, workload, reject - 1, expected[blocks], states[blocks]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_loop_stopped_by_cancellation_or_by_leaving_it_keeps_the_store_at_its_last_committed_block(bool cancel)
    {
        // Cancelled while block n is handled: n+1 may still be committed and yielded. Left (break) at
        // block n: nothing more is committed, since n+1's commit waits for the consumer.
        const int blocks = 10, n = 4;
        var (workload, expected, states) = Reference(blocks, 53);
        using var store = new InMemoryStateStore(Retention);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        using var cancellation = new CancellationTokenSource();
        var yielded = new List<long>();
        var pipeline = new ChainPipeline(chain, parallel);

        async Task Loop()
        {
            await foreach (var done in pipeline.RunAsync(Arriving(workload, 0, blocks), cancellation.Token))
            {
                yielded.Add(done.Block.Number);
                if (done.Block.Number != n) continue;
                if (cancel) cancellation.Cancel();
                else break;
            }
        }

        if (cancel) await Assert.ThrowsAnyAsync<OperationCanceledException>(Loop);
        else await Loop();

        long head = store.Head.Number;
        if (cancel) Assert.InRange(head, n, n + 1);
        else Assert.Equal(n, head);
        Assert.Equal(Enumerable.Range(1, (int)head).Select(x => (long)x), yielded);
        Assert.Equal(states[head], Sorted(store.Entries()));
        // The pipeline is free again and the chain goes on (a block hashed but not committed was discarded).
        await foreach (var done in pipeline.RunAsync(Arriving(workload, (int)head, blocks))) yielded.Add(done.Block.Number);
        Assert.Equal(expected[blocks], store.Head.StateRoot);
        Assert.Equal(states[blocks], Sorted(store.Entries()));
    }
}
