using ParallelExec.Execution;
using ParallelExec.MultiVersion;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Tests.AccessLists;
using ParallelExec.Tests.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Scheduling;

/// <summary>
/// The speculative path's prefetch of multi-version memory (<see cref="VersionPrefetcher"/>): it loads
/// the version lists of the keys a worker's next transaction will likely read, and wrong likely keys
/// change nothing.
/// </summary>
public sealed class VersionPrefetcherTests : IDisposable
{
    private static readonly int[] WorkerCounts = [2, 3, 8];
    private static readonly ExecutionOptions Speculate = new() { Speculation = SpeculationMode.SpeculateFirst };

    private readonly SequentialExecutor _sequential = new();
    private readonly ParallelExecutor[] _parallel = WorkerCounts.Select(w => new ParallelExecutor(w, oversubscribe: true)).ToArray();

    public void Dispose()
    {
        foreach (var p in _parallel) p.Dispose();
    }

    [Fact]
    public void It_finds_the_lists_of_the_likely_keys_earlier_transactions_touched()
    {
        // A token block: every transaction's likely keys are its sender's nonce and balance and the
        // token's balance slots. Keys of the even transactions are touched (given lists) first; a
        // worker of two claiming the odd ones in turn names transaction i + 4 and loads the lists of
        // transaction i + 2, named at its previous claim.
        var (block, state) = AccessListSamples.Workload(WorkloadKind.Token, seed: 3, txs: 40, blocks: 1).Single();
        var txs = block.Transactions;
        var versions = new MultiVersionMap();
        versions.Reset(state, 1024);
        var touched = new HashSet<StateKey>();
        for (int i = 0; i < txs.Count; i += 2)
        {
            var keys = new List<StateKey>();
            txs[i].AppendLikelyKeys(keys);
            foreach (var key in keys.Take(8))
            {
                versions.KeyId(key);
                touched.Add(key);
            }
        }

        var prefetcher = new VersionPrefetcher();
        long expected = 0, named = 0;
        for (int i = 1; i < txs.Count; i += 2)
        {
            prefetcher.Advance(versions, txs, i, workers: 2);
            // At i, the lists of i + 2 were loaded if i + 2 was named at the claim before (i - 2).
            if (i >= 3 && i + 2 < txs.Count)
            {
                var keys = new List<StateKey>();
                txs[i + 2].AppendLikelyKeys(keys);
                expected += keys.Take(8).Count(touched.Contains);
                named += keys.Take(8).Count();
            }
        }
        Assert.True(expected > 0, "the block gives the prefetcher nothing to find");
        // Every touched key's list is found; a list of another key with the same 32-bit hash would
        // count too (the prefetch goes by hash alone: comparing keys would wait on the list itself).
        Assert.InRange(prefetcher.ListsFound, expected, named);
    }

    [Fact]
    public void Likely_keys_that_are_wrong_too_many_or_throw_change_nothing_when_speculating()
    {
        // Scripted blocks (reads, writes, credits, failures, throws over small key spaces) and a
        // workload whose transactions name their keys right, each transaction's likely keys made
        // wrong in one of five ways or left right. Speculation is forced; the result must equal
        // sequential execution on 2, 3 and 8 workers.
        var blocks = AccessListSamples.Seeds(30, 53_000).Select(seed => (Seed: seed, Sample: AccessListSamples.Scripted(seed, maxTxs: 150)))
            .Concat(AccessListSamples.Workload(WorkloadKind.Mixed, seed: 7, txs: 300).Select((sample, b) => (Seed: -1 - b, Sample: sample)))
            .Select(b =>
            {
                var (block, state) = b.Sample;
                var random = new Random(b.Seed);
                var touched = _sequential.Execute(block, state).TouchedKeys.ToList();
                var misnamed = new Block(block.Header,
                    block.Transactions.Select(tx => (ITransaction)new MisnamingTransaction(tx, random.Next(6), touched, random.Next())).ToArray());
                return (b.Seed, Block: misnamed, State: state, Expected: _sequential.Execute(misnamed, state));
            })
            .ToList();
        long speculated = SpeculationPasses.RunUntilSpeculated(() =>
        {
            long pass = 0;
            foreach (var (seed, misnamed, state, expected) in blocks)
            {
                for (int w = 0; w < _parallel.Length; w++)
                {
                    var actual = _parallel[w].Execute(misnamed, state, Speculate);
                    var difference = expected.DescribeFirstDifference(actual);
                    Assert.True(difference is null, $"seed {seed}, {WorkerCounts[w]} workers: differs from sequential: {difference}");
                    pass += actual.Stats.SpeculativeCommits;
                }
            }
            return pass;
        });
        Assert.True(speculated > 0, "no speculative output was committed in 20 passes: the speculative path never ran");
    }
}
