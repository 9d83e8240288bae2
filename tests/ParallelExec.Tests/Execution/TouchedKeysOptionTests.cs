using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.Tests.AccessLists;

namespace ParallelExec.Tests.Execution;

/// <summary>
/// <see cref="ExecutionOptions.RecordTouchedKeys"/> off leaves the touched keys empty and changes
/// nothing else, on every path that builds a result: sequential, in order, speculative, and from an
/// access list.
/// </summary>
public sealed class TouchedKeysOptionTests : IDisposable
{
    private readonly SequentialExecutor _sequential = new();
    private readonly ParallelExecutor _parallel = new(4, oversubscribe: true);

    public void Dispose() => _parallel.Dispose();

    [Fact]
    public void Without_touched_keys_every_path_gives_the_same_receipts_and_changes()
    {
        long listed = 0, inOrder = 0;
        long speculativeCommits = SpeculationPasses.RunUntilSpeculated(() =>
        {
            long pass = 0;
            foreach (int seed in AccessListSamples.Seeds(60, 91_000))
            {
                var (block, state) = AccessListSamples.Scripted(seed, maxTxs: 150);
                var expected = _sequential.Execute(block, state, new ExecutionOptions { RecordAccessList = true });
                var list = AccessListInput.From(expected.AccessList!);
                var runs = new (string Path, BlockResult Result)[]
                {
                    ("sequential", _sequential.Execute(block, state, new ExecutionOptions { RecordTouchedKeys = false })),
                    ("in order", _parallel.Execute(block, state, new ExecutionOptions { RecordTouchedKeys = false, Speculation = SpeculationMode.InOrder })),
                    ("speculative", _parallel.Execute(block, state, new ExecutionOptions { RecordTouchedKeys = false, Speculation = SpeculationMode.SpeculateFirst })),
                    ("access list", _parallel.Execute(block, state, new ExecutionOptions { RecordTouchedKeys = false, AccessList = list })),
                };
                foreach (var (path, result) in runs)
                {
                    string label = $"seed {seed}, {path}";
                    Assert.Empty(result.TouchedKeys);
                    Assert.True(expected.Receipts.AsSpan().SequenceEqual(result.Receipts), $"{label}: receipts differ");
                    Assert.True(expected.Changes.AsSpan().SequenceEqual(result.Changes), $"{label}: changes differ");
                }
                Assert.NotEmpty(expected.TouchedKeys);
                Assert.Equal(0, runs[1].Result.Stats.SpeculativeCommits);
                inOrder += runs[1].Result.Stats.CommitterExecutions;
                pass += runs[2].Result.Stats.SpeculativeCommits;
                if (runs[3].Result.Stats.AccessList == AccessListOutcome.Used) listed++;
            }
            return pass;
        });
        // The paths under test really ran.
        Assert.True(inOrder > 0, "no block ran in order");
        Assert.True(speculativeCommits > 0, "no speculative output was committed");
        Assert.True(listed > 0, "no block ran from its access list");
    }
}
