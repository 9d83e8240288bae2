using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;

namespace ParallelExec.Tests.Execution.UnitTests;

public sealed class ExecutorFailureTests : IDisposable
{
    private static readonly StateKey K = Keys.Slot(1), L = Keys.Slot(2), Fee = Keys.Slot(3);

    private readonly SequentialExecutor _sequential = new();
    private readonly ParallelExecutor[] _parallel = [new(2), new(4)];

    public void Dispose()
    {
        foreach (var p in _parallel) p.Dispose();
    }

    private static Block BlockOf(params ITransaction[] txs) => new(Keys.Header, txs);

    private static Action<ITransactionContext, ExecutionOutcome> PayFee => (c, _) => c.Add(Fee, 1);

    private BlockResult RunEverywhere(Block block, IStateReader state)
    {
        var expected = _sequential.Execute(block, state);
        foreach (var p in _parallel)
        {
            var actual = p.Execute(block, state);
            Assert.True(expected.ContentEquals(actual), $"{p.Workers} workers: {expected.DescribeFirstDifference(actual)}");
        }
        return expected;
    }

    [Fact]
    public void A_plain_exception_fails_the_transaction_with_Threw_and_discards_its_writes()
    {
        var throwing = new LambdaTransaction(c =>
        {
            c.Write(K, 99);
            throw new InvalidOperationException("boom");
        }, PayFee);
        var result = RunEverywhere(BlockOf(LambdaTransaction.Increment(L), throwing, LambdaTransaction.Increment(L)), new InMemoryState());
        var receipt = result.Receipts[1];
        Assert.False(receipt.Success);
        Assert.Equal(FailureReason.Threw, receipt.Failure);
        Assert.Contains("InvalidOperationException", receipt.Detail);
        Assert.Contains("boom", receipt.Detail);
        Assert.True(result.Receipts[0].Success);
        Assert.True(result.Receipts[2].Success);
        Assert.Equal([new StateChange(L, 2), new StateChange(Fee, 1)], result.Changes);
    }

    [Fact]
    public void A_returned_failure_and_a_thrown_TransactionFailedException_keep_their_reason()
    {
        var reverted = new LambdaTransaction(c => { c.Write(K, 1); return ExecutionOutcome.Fail(FailureReason.Reverted, "no"); }, PayFee);
        var thrown = new LambdaTransaction(c => { c.Write(K, 2); throw new TransactionFailedException(FailureReason.InsufficientBalance, "poor"); }, PayFee);
        var outOfGas = new LambdaTransaction(c => { c.Write(K, 3); c.UseGas(11); return ExecutionOutcome.Success; }, PayFee, gasLimit: 10);
        var result = RunEverywhere(BlockOf(reverted, thrown, outOfGas), new InMemoryState());
        Assert.Equal(new Receipt(0, false, 0, FailureReason.Reverted, "no"), result.Receipts[0]);
        Assert.Equal(new Receipt(1, false, 0, FailureReason.InsufficientBalance, "poor"), result.Receipts[1]);
        Assert.Equal(FailureReason.OutOfGas, result.Receipts[2].Failure);
        Assert.Equal(10UL, result.Receipts[2].GasUsed);
        Assert.Equal([new StateChange(Fee, 3)], result.Changes);
    }

    [Fact]
    public void A_TransactionFailedException_without_a_reason_still_only_fails_the_transaction()
    {
        var odd = new LambdaTransaction(_ => throw new TransactionFailedException(FailureReason.None));
        var result = RunEverywhere(BlockOf(odd, LambdaTransaction.Increment(L)), new InMemoryState());
        Assert.False(result.Receipts[0].Success);
        Assert.True(result.Receipts[1].Success);
    }

    [Fact]
    public void A_failure_path_that_throws_leaves_no_effects()
    {
        var tx = new LambdaTransaction(_ => ExecutionOutcome.Fail(FailureReason.Reverted), (c, _) =>
        {
            c.Write(Fee, 5);
            throw new InvalidOperationException("failure path broke");
        });
        var result = RunEverywhere(BlockOf(tx), new InMemoryState());
        Assert.Equal(FailureReason.Reverted, result.Receipts[0].Failure);
        Assert.Empty(result.Changes);
    }

    [Fact]
    public void An_overflowing_credit_turns_into_the_failure_path_at_commit()
    {
        var state = new InMemoryState();
        state.Set(K, UInt256.MaxValue);
        var credit = new LambdaTransaction(c =>
        {
            c.Write(L, 7);
            c.Add(K, 1); // not read: only the commit can see that it overflows
            return ExecutionOutcome.Success;
        }, PayFee);
        var result = RunEverywhere(BlockOf(credit, LambdaTransaction.Increment(L)), state);
        Assert.Equal(new Receipt(0, false, 0, FailureReason.Overflow, "a credit would pass 2^256"), result.Receipts[0]);
        Assert.True(result.Receipts[1].Success);
        Assert.Equal([new StateChange(Fee, 1), new StateChange(L, 1)], result.Changes);
    }

    [Fact]
    public void BlockCommit_discards_a_failure_path_whose_credit_also_overflows()
    {
        var state = new InMemoryState();
        state.Set(K, UInt256.MaxValue);
        var overlay = new BlockOverlay(4);
        overlay.Reset(state, 4);
        var context = new TransactionContext();
        var output = new TxOutput();
        var tx = new LambdaTransaction(c =>
        {
            c.Read(L);
            c.Add(K, 1);
            return ExecutionOutcome.Success;
        }, (c, _) => c.Add(K, 2));
        TransactionRunner.Run(tx, context, overlay, Keys.Header, 0, output);
        Assert.True(output.Outcome.IsSuccess);
        BlockCommit.Commit(tx, 0, output, overlay, context, Keys.Header, null);
        Assert.Equal(FailureReason.Overflow, output.Outcome.Reason);
        Assert.Equal(0, output.WriteCount);
        Assert.Empty(overlay.CollectChanges());
        Assert.Equal([L], overlay.CollectTouchedKeys()); // the failed attempt's read stays
    }

    [Fact]
    public void An_engine_fault_from_the_state_reader_propagates_from_every_executor()
    {
        var inner = new InMemoryState();
        inner.Set(L, 5);
        var reader = new FaultingStateReader(inner, K, () => new EngineFaultException("storage offline"));
        var txs = new ITransaction[40];
        for (int i = 0; i < txs.Length; i++) txs[i] = LambdaTransaction.Increment(i == 25 ? K : Keys.Slot(100 + (ulong)i));
        var block = BlockOf(txs);

        Assert.Throws<EngineFaultException>(() => _sequential.Execute(block, reader));
        foreach (var p in _parallel)
        {
            var e = Assert.Throws<EngineFaultException>(() => p.Execute(block, reader));
            Assert.Contains("storage offline", e.ToString());
        }

        // The executors stay usable after a fault.
        var healthy = BlockOf(LambdaTransaction.Increment(L), LambdaTransaction.Increment(L));
        var result = RunEverywhere(healthy, inner);
        Assert.Equal([new StateChange(L, 7)], result.Changes);
    }

    [Fact]
    public void An_engine_fault_on_every_read_propagates_from_every_executor()
    {
        var reader = new FaultingStateReader(new InMemoryState(), null, () => new EngineFaultException("no state"));
        var block = BlockOf(Enumerable.Range(0, 8).Select(i => (ITransaction)LambdaTransaction.Increment(Keys.Slot((ulong)i))).ToArray());
        Assert.Throws<EngineFaultException>(() => _sequential.Execute(block, reader));
        foreach (var p in _parallel) Assert.Throws<EngineFaultException>(() => p.Execute(block, reader));
    }

    [Fact]
    public void A_storage_failure_while_committing_a_credit_is_an_engine_fault_in_every_executor()
    {
        var reader = new FaultingStateReader(new InMemoryState(), K, () => new IOException("disk gone"));
        var block = BlockOf(new LambdaTransaction(c => { c.Add(K, 1); return ExecutionOutcome.Success; }));
        Assert.Throws<EngineFaultException>(() => _sequential.Execute(block, reader));
        foreach (var p in _parallel) Assert.Throws<EngineFaultException>(() => p.Execute(block, reader));
    }
}
