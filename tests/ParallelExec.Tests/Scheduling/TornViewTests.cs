using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Tests.Execution.UnitTests;

namespace ParallelExec.Tests.Scheduling;

/// <summary>
/// What a torn speculative view may do, and what it must not change. A speculative run sees the
/// block's starting state plus whatever earlier transactions have published so far: values no
/// sequential execution ever sees together. Such a run may read a key sequential execution never
/// reads (and the store may fail there), throw an exception of the machine, or loop until its gas
/// runs out. None of it may fail the block, stall it, or show in its result. Each block is built so
/// that the slow transaction of a group is still running when a later one speculates, so torn views
/// happen on nearly every run; counts are summed over many blocks because which worker claims which
/// transaction is up to the scheduler, and the rounds go on (up to <see cref="MaxRounds"/>) until
/// the path under test has run at least once: on a machine so busy that the other workers were never
/// scheduled during a block, the committer runs it alone, in order.
/// </summary>
public sealed class TornViewTests : IDisposable
{
    internal static readonly StateKey Poison = Keys.Slot(9_999);
    private static readonly int[] WorkerCounts = [2, 4, 16];
    private static readonly ExecutionOptions Speculate = new() { Speculation = SpeculationMode.SpeculateFirst };
    private const int MinRounds = 8, MaxRounds = 300;

    private readonly SequentialExecutor _sequential = new();
    private readonly ParallelExecutor[] _parallel = WorkerCounts.Select(w => new ParallelExecutor(w, oversubscribe: true)).ToArray();

    public void Dispose()
    {
        foreach (var p in _parallel) p.Dispose();
    }

    public enum TornReaction { ReadsFailingKey, ThrowsEngineFault, RunsOutOfStack, RunsOutOfMemory }

    // About a millisecond of CPU (Keccak-f permutations at ~0.45 µs each): long enough that a later
    // transaction of the group speculates while this one runs.
    private const int SlowWork = 2_000;

    /// <summary>
    /// Groups of three: A := 1 at once; B := 1 after a millisecond of work; then a reader of A and B.
    /// In block order the reader always sees A == B == 1. Speculating beside the slow writer it sees
    /// A == 1 and B == 0 — and then does what <paramref name="reaction"/> says.
    /// </summary>
    internal static Block TornGroups(int groups, TornReaction reaction)
    {
        var txs = new List<ITransaction>();
        for (int g = 0; g < groups; g++)
        {
            StateKey a = Keys.Slot(100 + (ulong)g), b = Keys.Slot(200 + (ulong)g), c = Keys.Slot(300 + (ulong)g);
            txs.Add(new LambdaTransaction(ctx => { ctx.Write(a, 1); return ExecutionOutcome.Success; }));
            txs.Add(new LambdaTransaction(ctx =>
            {
                ulong work = CpuWork.Run(SlowWork, (ulong)g);
                ctx.Write(b, work == 42 ? 2UL : 1UL); // uses the work so the JIT keeps it
                return ExecutionOutcome.Success;
            }));
            txs.Add(new LambdaTransaction(ctx =>
            {
                var seenA = ctx.Read(a);
                var seenB = ctx.Read(b);
                if (!seenA.Equals(seenB))
                {
                    switch (reaction)
                    {
                        case TornReaction.ReadsFailingKey: ctx.Read(Poison); break;
                        case TornReaction.ThrowsEngineFault: throw new EngineFaultException("only a torn view gets here");
                        case TornReaction.RunsOutOfStack: throw new InsufficientExecutionStackException();
                        case TornReaction.RunsOutOfMemory: throw new OutOfMemoryException();
                    }
                }
                ctx.Write(c, seenA + seenB);
                return ExecutionOutcome.Success;
            }));
        }
        return new Block(Keys.Header, txs);
    }

    [Theory]
    [InlineData(TornReaction.ReadsFailingKey)]
    [InlineData(TornReaction.ThrowsEngineFault)]
    [InlineData(TornReaction.RunsOutOfStack)]
    [InlineData(TornReaction.RunsOutOfMemory)]
    public void A_fault_only_a_torn_view_meets_reruns_the_transaction_in_order_instead_of_failing_the_block(TornReaction reaction)
    {
        // The store fails on the poison key; sequential execution never reads it.
        var state = new FaultingStateReader(new InMemoryState(), Poison, () => new IOException("bad sector"));
        var block = TornGroups(4, reaction);
        var expected = _sequential.Execute(block, state);
        Assert.All(expected.Receipts, r => Assert.True(r.Success, r.ToString()));
        long faults = 0, runs = 0;
        for (int round = 0; round < MinRounds || (faults == 0 && round < MaxRounds); round++)
        {
            foreach (var parallel in _parallel)
            {
                var actual = parallel.Execute(block, state, Speculate);
                Assert.True(expected.ContentEquals(actual), $"{parallel.Workers} workers, round {round}: {expected.DescribeFirstDifference(actual)}");
                faults += actual.Stats.SpeculativeFaults;
                Assert.True(actual.Stats.Executions == block.Transactions.Count + actual.Stats.Reexecutions, actual.Stats.ToString());
                runs++;
            }
        }
        Assert.True(faults > 0, $"no speculative run met the torn view in {runs} blocks: the test exercised nothing");
    }

    [Theory]
    [InlineData(TornReaction.ReadsFailingKey)]
    [InlineData(TornReaction.ThrowsEngineFault)]
    [InlineData(TornReaction.RunsOutOfStack)]
    [InlineData(TornReaction.RunsOutOfMemory)]
    public void A_fault_sequential_execution_meets_too_fails_the_block_in_every_executor(TornReaction reaction)
    {
        // Start with B = 5: the reader sees A != B in block order too.
        var inner = new InMemoryState();
        for (ulong g = 0; g < 4; g++) inner.Set(Keys.Slot(200 + g), 5);
        var state = new FaultingStateReader(inner, Poison, () => new IOException("bad sector"));
        // The slow writer sets B := 1 = A, so start the reader's group without it: a block of writer and reader.
        var block = TornGroups(4, reaction);
        var withoutSlowWriters = new Block(Keys.Header, block.Transactions.Where((_, i) => i % 3 != 1).ToArray());
        var sequentialFault = Assert.Throws<EngineFaultException>(() => _sequential.Execute(withoutSlowWriters, state));
        foreach (var parallel in _parallel)
        {
            var fault = Assert.Throws<EngineFaultException>(() => parallel.Execute(withoutSlowWriters, state, Speculate));
            Assert.Equal(sequentialFault.InnerException?.GetType(), fault.InnerException?.GetType());
        }
        // And the executors stay usable.
        var healthy = _sequential.Execute(TornGroups(1, reaction), inner);
        foreach (var parallel in _parallel) Assert.True(healthy.ContentEquals(parallel.Execute(TornGroups(1, reaction), inner, Speculate)));
    }

    [Fact]
    public void The_committer_takes_over_a_speculative_run_looping_on_a_torn_view_instead_of_waiting()
    {
        // X starts huge; the first transaction sets it to 1 after a millisecond of work; the second
        // loops X times, one unit of gas each. In block order it loops once. Speculating beside the
        // first it reads the huge X and would loop for minutes within its gas limit: the committer
        // must take it over (and the run must stop) rather than wait. A regression hangs this test.
        var x = Keys.Slot(1);
        var inner = new InMemoryState();
        inner.Set(x, 4_000_000_000);
        var txs = new List<ITransaction>
        {
            new LambdaTransaction(ctx =>
            {
                ulong work = CpuWork.Run(SlowWork, 7);
                ctx.Write(x, work == 42 ? 2UL : 1UL);
                return ExecutionOutcome.Success;
            }),
            new LambdaTransaction(ctx =>
            {
                for (ulong i = 0, n = ctx.Read(x).U0; i < n; i++) ctx.UseGas(1);
                return ExecutionOutcome.Success;
            }, gasLimit: 4_000_000_000),
        };
        for (int i = 0; i < 6; i++) txs.Add(LambdaTransaction.Increment(Keys.Slot(50 + (ulong)i)));
        var block = new Block(Keys.Header, txs);
        var expected = _sequential.Execute(block, inner);
        Assert.Equal(1UL, expected.Receipts[1].GasUsed);

        long takeovers = 0;
        for (int round = 0; round < MinRounds || (takeovers == 0 && round < MaxRounds); round++)
        {
            foreach (var parallel in _parallel)
            {
                var actual = parallel.Execute(block, inner, Speculate);
                Assert.True(expected.ContentEquals(actual), $"{parallel.Workers} workers: {expected.DescribeFirstDifference(actual)}");
                takeovers += actual.Stats.Takeovers;
            }
        }
        Assert.True(takeovers > 0, "the committer never took a run over: the test exercised nothing");
    }

    [Fact]
    public void A_stretch_that_outlasts_its_block_never_waits_on_a_run_looping_on_a_torn_view()
    {
        // While the first transaction spends a millisecond before writing K, the other workers
        // speculate forty readers of K (all stale when validated, so an in-order stretch starts and
        // lasts to the block's end: the rest moves to the caller's thread), a slow writer of X and a
        // looper that read X before that writer published 1. If the caller's thread is the one
        // looping, the committer must go on and take the looper over, not hand the block to a
        // thread that loops for an hour. A regression hangs this test.
        var k = Keys.Slot(1);
        var x = Keys.Slot(2);
        var inner = new InMemoryState();
        inner.Set(x, 4_000_000_000_000); // looped on a torn view: about an hour
        LambdaTransaction SlowWrite(StateKey key, ulong seed) => new(ctx =>
        {
            ulong work = CpuWork.Run(SlowWork, seed);
            ctx.Write(key, work == 42 ? 2UL : 1UL);
            return ExecutionOutcome.Success;
        });
        var txs = new List<ITransaction> { SlowWrite(k, 5) };
        for (int i = 0; i < 40; i++)
        {
            var own = Keys.Slot(100 + (ulong)i);
            txs.Add(new LambdaTransaction(ctx =>
            {
                ctx.Write(own, ctx.Read(k) + UInt256.One);
                return ExecutionOutcome.Success;
            }));
        }
        txs.Add(SlowWrite(x, 11));
        txs.Add(new LambdaTransaction(ctx =>
        {
            for (ulong i = 0, n = ctx.Read(x).U0; i < n; i++) ctx.UseGas(1);
            return ExecutionOutcome.Success;
        }, gasLimit: 4_000_000_000_000));
        var block = new Block(Keys.Header, txs);
        var expected = _sequential.Execute(block, inner);
        Assert.Equal(1UL, expected.Receipts[42].GasUsed);

        int both = 0, toEnd = 0, takeovers = 0;
        for (int round = 0; round < MinRounds || (both == 0 && round < MaxRounds); round++)
        {
            foreach (var parallel in _parallel)
            {
                var actual = parallel.Execute(block, inner, Speculate);
                Assert.True(expected.ContentEquals(actual), $"{parallel.Workers} workers: {expected.DescribeFirstDifference(actual)}");
                if (actual.Stats.InOrderToEnd && actual.Stats.Takeovers > 0) both++;
                if (actual.Stats.InOrderToEnd) toEnd++;
                if (actual.Stats.Takeovers > 0) takeovers++;
            }
        }
        Assert.True(both > 0, $"no block both ran to its end in order and took a speculative run over: the test exercised nothing ({toEnd} to the end, {takeovers} with take-overs)");
    }
}
