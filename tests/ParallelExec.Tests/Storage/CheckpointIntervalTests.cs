using ParallelExec.Storage;

namespace ParallelExec.Tests.Storage;

/// <summary>
/// The checkpoint interval follows what checkpoints write (<see cref="ChainStateOptions.CheckpointBytes"/>):
/// halved after one that wrote more than the bound, down to every block; doubled after one that wrote
/// under a quarter of it, up to <see cref="ChainStateOptions.TrieNodeInterval"/>; always a divisor
/// step of the longest interval, so checkpoints never fall further apart than it.
/// </summary>
public class CheckpointIntervalTests
{
    private static ChainState Chain(int interval, long bound) =>
        ChainState.Create(new InMemoryStateStore(), [], options: new ChainStateOptions { TrieNodeInterval = interval, CheckpointBytes = bound, RootParallelism = 1 });

    [Theory]
    [InlineData(16, new[] { 16, 8, 4, 2, 1, 1 }, new[] { 2, 4, 8, 16, 16 })]
    [InlineData(10, new[] { 10, 5, 2, 1, 1, 1 }, new[] { 2, 5, 10, 10, 10 })]
    public void Large_checkpoints_halve_the_interval_and_small_ones_double_it_back(int interval, int[] halving, int[] doubling)
    {
        var chain = Chain(interval, bound: 1000);
        foreach (int expected in halving)
        {
            Assert.Equal(expected, chain.CheckpointInterval);
            chain.AdaptCheckpoints(1001, blocksCovered: chain.CheckpointInterval);
        }
        chain.AdaptCheckpoints(250, blocksCovered: chain.CheckpointInterval); // between a quarter of the bound and the bound: kept
        Assert.Equal(1, chain.CheckpointInterval);
        foreach (int expected in doubling)
        {
            chain.AdaptCheckpoints(249, blocksCovered: chain.CheckpointInterval);
            Assert.Equal(expected, chain.CheckpointInterval);
        }
        Assert.True(chain.IsCheckpoint(interval * 3) && !chain.IsCheckpoint(interval * 3 + 1));
    }

    [Fact]
    public void A_small_checkpoint_that_covered_less_than_the_interval_does_not_widen_it()
    {
        var chain = Chain(16, bound: 1000);
        chain.AdaptCheckpoints(1001, blocksCovered: 16);
        Assert.Equal(8, chain.CheckpointInterval);
        // The interval's checkpoint one block after a budget checkpoint: small because it covered one block.
        chain.AdaptCheckpoints(10, blocksCovered: 1);
        Assert.Equal(8, chain.CheckpointInterval);
        chain.AdaptCheckpoints(10, blocksCovered: 7);
        Assert.Equal(8, chain.CheckpointInterval);
        // A large one still halves it, however few blocks it covered.
        chain.AdaptCheckpoints(1001, blocksCovered: 1);
        Assert.Equal(4, chain.CheckpointInterval);
        chain.AdaptCheckpoints(10, blocksCovered: 4);
        Assert.Equal(8, chain.CheckpointInterval);
    }

    [Fact]
    public void Without_a_bound_the_interval_stays_the_configured_one()
    {
        var chain = Chain(16, bound: 0);
        chain.AdaptCheckpoints(long.MaxValue, blocksCovered: 16);
        Assert.Equal(16, chain.CheckpointInterval);
    }
}
