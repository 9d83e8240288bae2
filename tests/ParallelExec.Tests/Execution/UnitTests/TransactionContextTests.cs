using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Tests.Execution.UnitTests;

public sealed class TransactionContextTests
{
    private static readonly StateKey K = Keys.Slot(1), L = Keys.Slot(2);

    private static (TransactionContext Context, TxOutput Output) Start(IStateView view, ulong gasLimit = 1000, int txIndex = 3)
    {
        var context = new TransactionContext();
        var output = new TxOutput();
        output.Reset();
        context.Start(view, Keys.Header, txIndex, gasLimit, output);
        return (context, output);
    }

    private static (TransactionContext Context, TxOutput Output) StartOver(params (StateKey Key, UInt256 Value)[] start)
    {
        var state = new InMemoryState();
        foreach (var (key, value) in start) state.Set(key, value);
        var overlay = new BlockOverlay(4);
        overlay.Reset(state, 4);
        return Start(overlay);
    }

    [Fact]
    public void Exposes_block_position_and_gas_limit()
    {
        var (context, _) = Start(new CountingView(_ => 0), gasLimit: 77, txIndex: 5);
        Assert.Equal(5, context.TransactionIndex);
        Assert.Equal(77UL, context.GasLimit);
        Assert.Same(Keys.Header, context.Block);
        Assert.Equal(0UL, context.GasUsed);
    }

    [Fact]
    public void Reads_its_own_writes_without_recording_a_read()
    {
        var (context, output) = StartOver((K, 10));
        context.Write(K, 42);
        Assert.Equal(new UInt256(42), context.Read(K));
        Assert.Equal(0, output.ReadCount);
        Assert.Equal(1, output.WriteCount);
        context.Write(K, 43);
        Assert.Equal(new UInt256(43), context.Read(K));
        Assert.Equal(1, output.WriteCount);
    }

    [Fact]
    public void Reads_are_repeatable_and_recorded_once()
    {
        var view = new CountingView(call => (ulong)(call * 100));
        var (context, output) = Start(view);
        Assert.Equal(new UInt256(100), context.Read(K));
        Assert.Equal(new UInt256(100), context.Read(K));
        Assert.Equal(new UInt256(200), context.Read(L));
        Assert.Equal(new UInt256(100), context.Read(K));
        Assert.Equal(2, view.Calls);
        Assert.Equal(2, output.ReadCount);
        Assert.Equal(K, output.ReadAt(0).Key);
        Assert.Equal(new UInt256(100), output.ReadAt(0).Value);
        Assert.Equal(-1, output.ReadAt(0).Source);
    }

    [Fact]
    public void Reading_a_credited_key_resolves_the_credit_against_the_real_value()
    {
        var (context, output) = StartOver((K, 10));
        context.Add(K, 5);
        Assert.Equal(new UInt256(15), context.Read(K));
        context.Add(K, 1);
        Assert.Equal(new UInt256(16), context.Read(K));
        // The read records the real value; the write stays a credit of 6.
        Assert.Equal(1, output.ReadCount);
        Assert.Equal(new UInt256(10), output.ReadAt(0).Value);
        ref var write = ref output.WriteAt(0);
        Assert.True(write.IsDelta);
        Assert.Equal(new UInt256(6), write.Value);
    }

    [Fact]
    public void Reading_a_credited_key_whose_sum_overflows_fails_the_transaction()
    {
        var (context, _) = StartOver((K, UInt256.MaxValue));
        context.Add(K, 1); // credits are not checked until read or committed
        var e = Assert.Throws<TransactionFailedException>(() => context.Read(K));
        Assert.Equal(FailureReason.Overflow, e.Reason);
    }

    [Fact]
    public void Write_after_Add_replaces_the_credit()
    {
        var (context, output) = StartOver((K, 10));
        context.Add(K, 5);
        context.Write(K, 7);
        Assert.Equal(1, output.WriteCount);
        ref var write = ref output.WriteAt(0);
        Assert.False(write.IsDelta);
        Assert.Equal(new UInt256(7), write.Value);
        Assert.Equal(new UInt256(7), context.Read(K));
        Assert.Equal(0, output.ReadCount);
    }

    [Fact]
    public void Add_after_Write_adds_to_the_written_value()
    {
        var (context, output) = StartOver((K, 10));
        context.Write(K, 7);
        context.Add(K, 5);
        ref var write = ref output.WriteAt(0);
        Assert.False(write.IsDelta);
        Assert.Equal(new UInt256(12), write.Value);
        Assert.Equal(new UInt256(12), context.Read(K));
    }

    [Fact]
    public void Credits_accumulate_and_overflow_fails()
    {
        var (context, output) = StartOver();
        context.Add(K, 5);
        context.Add(K, 6);
        Assert.True(output.WriteAt(0).IsDelta);
        Assert.Equal(new UInt256(11), output.WriteAt(0).Value);
        context.Add(L, UInt256.MaxValue);
        var e = Assert.Throws<TransactionFailedException>(() => context.Add(L, 1));
        Assert.Equal(FailureReason.Overflow, e.Reason);
        context.Write(K, UInt256.MaxValue);
        Assert.Equal(FailureReason.Overflow, Assert.Throws<TransactionFailedException>(() => context.Add(K, 1)).Reason);
    }

    [Fact]
    public void Gas_past_the_limit_fails_with_OutOfGas_and_uses_the_whole_limit()
    {
        var (context, output) = Start(new CountingView(_ => 0), gasLimit: 100);
        context.UseGas(60);
        context.UseGas(40);
        Assert.Equal(100UL, context.GasUsed);
        var e = Assert.Throws<TransactionFailedException>(() => context.UseGas(1));
        Assert.Equal(FailureReason.OutOfGas, e.Reason);
        Assert.Equal(100UL, output.GasUsed);

        var (fresh, freshOutput) = Start(new CountingView(_ => 0), gasLimit: 100);
        fresh.UseGas(30);
        Assert.Equal(FailureReason.OutOfGas, Assert.Throws<TransactionFailedException>(() => fresh.UseGas(ulong.MaxValue)).Reason);
        Assert.Equal(100UL, freshOutput.GasUsed);
    }

    [Fact]
    public void More_than_MaxStateAccesses_fails_with_StepLimit()
    {
        var (context, _) = Start(new CountingView(_ => 1));
        for (int i = 0; i < ExecutionLimits.MaxStateAccesses - 2; i++) context.Read(K);
        context.Write(L, 1);
        context.Add(L, 1);
        var e = Assert.Throws<TransactionFailedException>(() => context.Read(K));
        Assert.Equal(FailureReason.StepLimit, e.Reason);

        // The failure path gets a fresh budget.
        context.ResetAccessBudget();
        Assert.Equal(UInt256.One, context.Read(K));
    }

    [Fact]
    public void An_unresolvable_read_marks_the_output_and_fails()
    {
        var (context, output) = Start(new CountingView(_ => 0, resolvable: false));
        var e = Assert.Throws<TransactionFailedException>(() => context.Read(K));
        Assert.Equal(FailureReason.Overflow, e.Reason);
        Assert.True(output.Invalid);
    }

    [Fact]
    public void A_failing_view_becomes_an_engine_fault()
    {
        var state = new FaultingStateReader(new InMemoryState(), K, () => new IOException("disk gone"));
        var overlay = new BlockOverlay(4);
        overlay.Reset(state, 4);
        var (context, _) = Start(overlay);
        Assert.True(context.Read(L).IsZero);
        var e = Assert.Throws<EngineFaultException>(() => context.Read(K));
        Assert.IsType<IOException>(e.InnerException);
    }
}
