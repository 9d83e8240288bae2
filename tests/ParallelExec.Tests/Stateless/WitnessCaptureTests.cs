using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Tests.Execution;
using ParallelExec.Trie;
using Xunit.Abstractions;

namespace ParallelExec.Tests.Stateless;

/// <summary>
/// A witness holds what the block's committed executions read or wrote, never what a discarded
/// speculative run reached: on random contended blocks (value-dependent reads, gas loops, throws,
/// overflowing credits) a parallel run forced to speculate on many workers gives exactly the key set,
/// and so the witness bytes, that the sequential run gives. Rerun one seed with PARALLELEXEC_SEED=N.
/// </summary>
public sealed class WitnessCaptureTests(ITestOutputHelper output) : IDisposable
{
    private readonly SequentialExecutor _sequential = new();
    private readonly ParallelExecutor[] _parallel = [new(4, oversubscribe: true), new(16, oversubscribe: true)];

    public void Dispose()
    {
        foreach (var p in _parallel) p.Dispose();
    }

    internal static IEnumerable<int> Seeds(int count, int offset)
    {
        var fixedSeed = Environment.GetEnvironmentVariable("PARALLELEXEC_SEED");
        return fixedSeed is not null ? [int.Parse(fixedSeed)] : Enumerable.Range(offset, count);
    }

    [Fact]
    public void Forced_speculation_on_many_workers_captures_exactly_the_sequential_key_set()
    {
        long speculativeCommits = 0, validationFailures = 0, creditChecked = 0, transactions = 0;
        foreach (int seed in Seeds(120, 31_000))
        {
            var random = new Random(seed);
            int keySpace = WitnessFixtures.KeySpaces[random.Next(WitnessFixtures.KeySpaces.Length)];
            var block = ScriptedTransaction.RandomBlock(random, random.Next(20, 200), keySpace, withHints: random.Next(2) == 0);
            var state = WitnessFixtures.RandomStartState(random, keySpace);
            var trie = StateTrie.FromState(state.Entries);
            var expected = _sequential.Execute(block, state);
            var expectedKeys = KeySet(expected);
            var expectedBytes = WitnessCodec.Encode(WitnessBuilder.Build(trie, 1, expected));
            creditChecked += expected.CreditCheckedKeys.Length;
            foreach (var parallel in _parallel)
            {
                var actual = parallel.Execute(block, state, new ExecutionOptions { Speculation = SpeculationMode.SpeculateFirst });
                string label = $"seed {seed} (keys {keySpace}, txs {block.Transactions.Count}), {parallel.Workers} workers";
                Assert.True(expectedKeys.SetEquals(KeySet(actual)), $"{label}: the parallel run's committed key set differs from the sequential run's");
                Assert.True(expectedBytes.AsSpan().SequenceEqual(WitnessCodec.Encode(WitnessBuilder.Build(trie, 1, actual))), $"{label}: witnesses differ");
                speculativeCommits += actual.Stats.SpeculativeCommits;
                validationFailures += actual.Stats.ValidationFailures;
                transactions += actual.Stats.Transactions;
            }
        }
        output.WriteLine($"{transactions} txs run in parallel: {speculativeCommits} committed as speculated, {validationFailures} failed validation; {creditChecked} keys read only by an overflowing credit");
        if (Environment.GetEnvironmentVariable("PARALLELEXEC_SEED") is not null) return;
        // Alone this run keeps 35-49 % of its transactions as speculated; under the whole suite's load on
        // 2 cores the committer takes most over (9 % once in CI): ask for 2 %, still thousands of outputs.
        Assert.True(speculativeCommits * 50 >= transactions, $"too little speculation to test anything: {speculativeCommits} of {transactions}");
        Assert.True(validationFailures > 0, "no speculative run was ever stale");
        Assert.True(creditChecked > 0, "no credit ever overflowed: the credit-checked keys were never exercised");
    }

    [Fact]
    public void A_key_read_only_to_find_an_overflowing_credit_is_in_the_witness()
    {
        // The transaction credits a key near 2^256 (the credit overflows: it fails) and its failure
        // path touches nothing: the key is not touched, but its value decided the result.
        var key = ScriptedTransaction.KeyAt(3);
        var state = new InMemoryState();
        state.Set(key, UInt256.MaxValue);
        var tx = new ScriptedTransaction([new ScriptedTransaction.Op(ScriptedTransaction.Kind.Add, key, 5)], 1000, null);
        var block = new Block(new BlockHeader(1, Address.FromNumber(1, tag: 0xBE)), [tx]);
        foreach (IBlockExecutor executor in new IBlockExecutor[] { _sequential, _parallel[1] })
        {
            var result = executor.Execute(block, state);
            Assert.Equal(FailureReason.Overflow, result.Receipts[0].Failure);
            Assert.DoesNotContain(key, result.TouchedKeys);
            Assert.Equal([key], result.CreditCheckedKeys);
            var witness = WitnessBuilder.Build(StateTrie.FromState(state.Entries), 1, result);
            Assert.Contains(witness.Entries, e => e.Key == key && e.Present && e.Value == UInt256.MaxValue);
        }
    }

    private static HashSet<StateKey> KeySet(BlockResult result)
    {
        var keys = new HashSet<StateKey>(result.TouchedKeys);
        keys.UnionWith(result.CreditCheckedKeys);
        return keys;
    }
}
