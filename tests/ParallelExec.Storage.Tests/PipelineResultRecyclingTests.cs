using System.Threading.Channels;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.PipelineTests;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <see cref="ChainPipeline.RecycleResults"/>: blocks' receipts and changes collected into buffers the
/// pipeline reuses give the same roots, stores and results as arrays of their own; a reported block's
/// receipts and changes read while it is reported stay readable, read afterwards they throw rather
/// than show a later block's; a rejected block's stay readable.
/// </summary>
public class PipelineResultRecyclingTests
{
    public static TheoryData<bool, bool, bool> StoresOverlapsAndExecutors()
    {
        var data = new TheoryData<bool, bool, bool>();
        foreach (bool rocks in new[] { false, true })
            foreach (bool overlap in new[] { true, false })
                foreach (bool parallel in new[] { true, false })
                    data.Add(rocks, overlap, parallel);
        return data;
    }

    /// <summary>Each block's result digest (receipts, changes, touched keys), executed in order over the reference state.</summary>
    private static Hash256[] ReferenceDigests(Workload workload)
    {
        var state = workload.Genesis.Clone();
        var executor = new SequentialExecutor();
        var digests = new Hash256[workload.Blocks.Length];
        for (int i = 0; i < workload.Blocks.Length; i++)
        {
            var result = executor.Execute(workload.Blocks[i], state);
            digests[i] = result.ComputeDigest();
            state.Apply(result.Changes);
        }
        return digests;
    }

    [Theory]
    [MemberData(nameof(StoresOverlapsAndExecutors))]
    public void Recycled_results_give_the_same_roots_stores_and_results_and_their_buffers_are_reused(bool rocks, bool overlap, bool parallel)
    {
        const int blocks = 14;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {Describe(rocks)}, overlap {overlap}, {(parallel ? "parallel" : "sequential")}";
        var workload = Workload(blocks: blocks, txs: 80, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 40);
        var roots = ReferenceRoots(workload);
        var states = ReferenceStates(workload);
        var digests = ReferenceDigests(workload);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        using var parallelExecutor = new ParallelExecutor(4);
        IBlockExecutor executor = parallel ? parallelExecutor : new SequentialExecutor();
        var pipeline = new ChainPipeline(chain, executor, overlap) { RecycleResults = true };
        var reported = new List<CommittedBlock>();
        var kept = new Dictionary<long, (Receipt[] Receipts, StateChange[] Changes)>();
        var buffers = new HashSet<StateChange[]>(ReferenceEqualityComparer.Instance);

        Assert.Null(pipeline.Run(PipelineTests.Blocks(workload, 0, blocks), done =>
        {
            long n = done.Block.Number;
            var buffer = done.Result.LentChangeBuffer;
            Assert.True(buffer is not null, $"{at}: block {n}'s changes are not in a lent buffer");
            buffers.Add(buffer);
            Assert.True(digests[n - 1] == done.Result.ComputeDigest(), $"{at}: block {n}'s result differs from the reference");
            Assert.True(roots[n] == done.Block.StateRoot, $"{at}: root of block {n}");
            if (n % 2 == 0) kept[n] = (done.Result.Receipts, done.Result.Changes); // read while reported: copies that stay
            reported.Add(done);
        }));

        Assert.Equal(roots[blocks], store.Head.StateRoot);
        Assert.Equal(states[blocks], Sorted(store.Entries()));
        // Blocks in flight at once are few: past them every block reuses a buffer an earlier one gave
        // back. The pool keeps buffers by size, and blocks whose changes fall in two sizes draw on two
        // sets (seed 50976083 once took three of 128 and three of 256): the bound is per size.
        int mostOfOneSize = buffers.CountBy(b => b.Length).Max(pair => pair.Value);
        Assert.True(mostOfOneSize <= 5, $"{at}: {mostOfOneSize} buffers of one size for {blocks} blocks ({buffers.Count} in all)");
        foreach (var done in reported)
        {
            long n = done.Block.Number;
            Assert.Null(done.Result.LentChangeBuffer); // given back
            if (kept.TryGetValue(n, out var copies))
            {
                Assert.Same(copies.Receipts, done.Result.Receipts);
                Assert.Same(copies.Changes, done.Result.Changes);
                Assert.True(digests[n - 1] == done.Result.ComputeDigest(), $"{at}: block {n}'s kept results changed after it was reported");
            }
            else
            {
                var error = Assert.Throws<InvalidOperationException>(() => done.Result.Changes);
                Assert.Contains("RecycleResults", error.Message);
                Assert.Throws<InvalidOperationException>(() => done.Result.Receipts);
            }
        }
    }

    [Theory]
    [MemberData(nameof(PipelineTests.Stores), MemberType = typeof(PipelineTests))]
    public void A_rejected_blocks_changes_stay_readable_after_the_run(bool rocks)
    {
        const int blocks = 10, reject = 6;
        var workload = Workload(blocks: blocks, seed: 5);
        var digests = ReferenceDigests(workload);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);

        var rejected = new ChainPipeline(chain, parallel) { RecycleResults = true }.Run(PipelineTests.Blocks(workload, 0, blocks, reject));

        Assert.NotNull(rejected);
        Assert.Equal(reject, rejected.Block.Number);
        Assert.NotNull(rejected.Result.LentChangeBuffer);
        Assert.Equal(digests[reject - 1], rejected.Result.ComputeDigest());
        Assert.NotEmpty(rejected.Result.Changes);
        Assert.Equal(workload.Blocks[reject - 1].Transactions.Count, rejected.Result.Receipts.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_loops_block_is_readable_until_it_asks_for_the_next(bool overlap)
    {
        const int blocks = 8;
        var workload = Workload(blocks: blocks, seed: 23);
        var digests = ReferenceDigests(workload);
        using var store = new InMemoryStateStore(Retention);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        var pipeline = new ChainPipeline(chain, parallel, overlap) { RecycleResults = true };
        var channel = Channel.CreateUnbounded<PipelineBlock>();
        foreach (var block in PipelineTests.Blocks(workload, 0, blocks)) channel.Writer.TryWrite(block);
        channel.Writer.Complete();
        CommittedBlock? previous = null;

        await foreach (var done in pipeline.RunAsync(channel.Reader))
        {
            if (previous is not null)
            {
                Assert.Throws<InvalidOperationException>(() => previous.Result.Changes);
                Assert.Throws<InvalidOperationException>(() => previous.Result.Receipts);
            }
            await Task.Yield(); // still this block's, wherever the consumer goes on
            Assert.Equal(digests[done.Block.Number - 1], done.Result.ComputeDigest());
            previous = done;
        }
        Assert.Equal(blocks, previous!.Block.Number);
    }
}
