using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Tests.Execution;
using ParallelExec.Workloads;
using Op = ParallelExec.Tests.Execution.ScriptedTransaction.Op;
using Kind = ParallelExec.Tests.Execution.ScriptedTransaction.Kind;

namespace ParallelExec.Tests.AccessLists;

/// <summary>
/// Recording a block's access list: EIP-7928's rules on a hand-made block, and the list the parallel
/// executor records (many workers, forced speculation) equal to the sequential executor's.
/// </summary>
public sealed class AccessListRecordingTests
{
    private static readonly Address Contract = Address.FromNumber(7, tag: 0xC0);
    private static readonly Address Payer = Address.FromNumber(1, tag: 0xA0);
    private static readonly Address Idle = Address.FromNumber(2, tag: 0xA0);
    private static readonly ExecutionOptions Record = new() { RecordAccessList = true };

    private static StateKey Slot(ulong n) => StateKey.Storage(Contract, n);

    [Fact]
    public void Rules_of_eip_7928_hold_on_a_hand_made_block()
    {
        var state = new InMemoryState();
        state.Set(Slot(1), 0);     // written with 0 + 0 = its own value by tx 0: a read
        state.Set(Slot(3), 50);
        state.Set(StateKey.Balance(Payer), 10);
        var txs = new ITransaction[]
        {
            new ScriptedTransaction([new Op(Kind.Write, Slot(1), 0)], 1000, null),                        // index 1: no-op write
            new ScriptedTransaction([new Op(Kind.Read, Slot(2), 0)], 1000, null),                         // index 2: read
            new ScriptedTransaction([new Op(Kind.Write, Slot(3), 7)], 1000, null),                        // index 3: 50 -> 2 + 7
            new ScriptedTransaction([new Op(Kind.Add, StateKey.Balance(Idle), 0)], 1000, null),           // index 4: zero credit
            new ScriptedTransaction([new Op(Kind.Add, StateKey.Balance(Payer), 5)], 1000, null),          // index 5: 10 -> 15
            new ScriptedTransaction([new Op(Kind.Write, Slot(3), 45)], 1000, null),                       // index 6: 9 -> 5 + 45 = 50
            new ScriptedTransaction([new Op(Kind.Write, Slot(4), 1), new Op(Kind.FailIf, Slot(4), 1)], 1000, null), // index 7: fails, write discarded
        };
        var result = new SequentialExecutor().Execute(new Block(new BlockHeader(1, Address.FromNumber(9, tag: 0xBE)), txs), state, Record);
        var expected = new BlockAccessList(new[]
        {
            new AccountChanges(Payer, [], [], [new AccessListChange(5, 15)], [], []),
            AccountChanges.Accessed(Idle),
            new AccountChanges(Contract, [new SlotChanges(3, [new AccessListChange(3, 9), new AccessListChange(6, 50)])], [1, 2], [], [], []),
        }.OrderBy(a => a.Address).ToArray());
        Assert.Equal(expected.ToJson(), result.AccessList!.ToJson());
        Assert.Null(new SequentialExecutor().Execute(new Block(new BlockHeader(1, default), txs), state).AccessList);
    }

    [Fact]
    public void A_slot_read_and_later_changed_is_a_change_only_and_everything_comes_out_in_eip_order()
    {
        var other = Address.FromNumber(5, tag: 0xC0);
        StateKey OtherSlot(ulong n) => StateKey.Storage(other, n);
        // A write's value is its transaction's index plus the constant (nothing read before it).
        var txs = new ITransaction[]
        {
            new ScriptedTransaction([new Op(Kind.Read, Slot(9), 0)], 1000, null),                                          // index 1: reads slot 9
            new ScriptedTransaction([new Op(Kind.Write, OtherSlot(4), 10), new Op(Kind.Write, OtherSlot(2), 20)], 1000, null), // index 2: slot 4 before slot 2
            new ScriptedTransaction([new Op(Kind.Write, Slot(9), 5), new Op(Kind.Read, OtherSlot(7), 0)], 1000, null),        // index 3: slot 9 := 7
            new ScriptedTransaction([new Op(Kind.Write, Slot(9), 1), new Op(Kind.Add, StateKey.Balance(other), 3)], 1000, null), // index 4: slot 9 := 4
        };
        var block = new Block(new BlockHeader(1, Address.FromNumber(9, tag: 0xBE)), txs);
        var expected = new BlockAccessList(new[]
        {
            new AccountChanges(Contract, [new SlotChanges(9, [new AccessListChange(3, 7), new AccessListChange(4, 4)])], [], [], [], []),
            new AccountChanges(other, [new SlotChanges(2, [new AccessListChange(2, 21)]), new SlotChanges(4, [new AccessListChange(2, 11)])],
                [7], [new AccessListChange(4, 3)], [], []),
        }.OrderBy(a => a.Address).ToArray());
        Assert.Equal(expected.ToJson(), new SequentialExecutor().Execute(block, new InMemoryState(), Record).AccessList!.ToJson());
        using var parallel = new ParallelExecutor(4, oversubscribe: true);
        Assert.Equal(expected.ToJson(), parallel.Execute(block, new InMemoryState(), Record with { Speculation = SpeculationMode.SpeculateFirst }).AccessList!.ToJson());
    }

    [Fact]
    public void Empty_block_records_the_empty_list()
    {
        var result = new SequentialExecutor().Execute(new Block(new BlockHeader(1, default), []), new InMemoryState(), Record);
        Assert.Equal(BlockAccessList.Empty.ComputeHash(), result.AccessList!.ComputeHash());
    }

    [Fact]
    public void Parallel_executor_records_the_sequential_list_on_random_scripted_blocks()
    {
        var executors = new[] { 2, 4, 16 }.Select(w => new ParallelExecutor(w, oversubscribe: true)).ToArray();
        try
        {
            int nonEmpty = 0;
            foreach (int seed in AccessListSamples.Seeds(120, 31_000))
            {
                var (block, state) = AccessListSamples.Scripted(seed);
                var expected = AccessListSamples.Record(block, state);
                nonEmpty += expected.Accounts.Count > 0 ? 1 : 0;
                foreach (var executor in executors)
                {
                    var mode = seed % 2 == 0 ? SpeculationMode.SpeculateFirst : SpeculationMode.Adaptive;
                    var actual = executor.Execute(block, state, Record with { Speculation = mode });
                    Assert.True(actual.AccessList is not null, $"seed {seed}: no access list recorded");
                    Assert.True(expected.ToJson() == actual.AccessList!.ToJson(), $"seed {seed}, {executor.Workers} workers, {mode}: access lists differ");
                }
            }
            Assert.True(nonEmpty > 100, $"only {nonEmpty} blocks recorded anything");
        }
        finally
        {
            foreach (var e in executors) e.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(AccessListSamples.WorkloadKinds), MemberType = typeof(AccessListSamples))]
    public void Parallel_executor_records_the_sequential_list_on_workloads(WorkloadKind kind)
    {
        using var parallel = new ParallelExecutor(8, oversubscribe: true);
        foreach (var (block, state) in AccessListSamples.Workload(kind, seed: 5, txs: 300))
        {
            var expected = AccessListSamples.Record(block, state);
            var actual = parallel.Execute(block, state, Record with { Speculation = SpeculationMode.SpeculateFirst });
            Assert.Equal(expected.Encode(), actual.AccessList!.Encode());
            // Every sender's nonce changes once, at its transaction's index.
            Assert.Equal(block.Transactions.Count, expected.Accounts.Sum(a => a.NonceChanges.Length));
        }
    }
}
