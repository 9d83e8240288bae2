using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Transactions;

namespace ParallelExec.Product.Tests;

/// <summary>
/// The library example of README.md ("Using the library"), compiled and run. The lines between the
/// markers, and the using directives above, must be exactly the README's snippet
/// (<see cref="ReadmeExampleTests"/> checks it), so the README never shows code that does not compile.
/// </summary>
internal static class ReadmeExample
{
    public static void Run()
    {
        // README begin
        // The state before the block: any IStateReader that is safe for concurrent reads.
        var alice = Address.Parse("0x00000000000000000000000000000000000a11ce");
        var bob = Address.Parse("0x0000000000000000000000000000000000000b0b");
        var state = new InMemoryState();
        state.Set(StateKey.Balance(alice), new UInt256(1_000_000_000));

        var block = new Block(new BlockHeader(Number: 1, Beneficiary: bob),
        [
            new ValueTransfer(alice, nonce: 0, gasPrice: 1, to: bob, value: new UInt256(5_000)),
            new ValueTransfer(alice, nonce: 1, gasPrice: 1, to: bob, value: new UInt256(7_000)),
        ]);

        using var executor = new ParallelExecutor(workers: Environment.ProcessorCount);
        BlockResult result = executor.Execute(block, state);
        // result.Receipts (one per transaction), result.Changes (the final value of every written key),
        // result.TouchedKeys, result.Stats (re-executions, sequential fallbacks, time)

        var reference = new SequentialExecutor().Execute(block, state);
        if (!result.ContentEquals(reference)) throw new InvalidOperationException(result.DescribeFirstDifference(reference));
        // README end
    }
}
