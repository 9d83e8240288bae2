using ParallelExec.Blocks;
using ParallelExec.State;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A replay into a database cancelled while it runs (pipelined or not) stops at a block boundary:
/// every block it reported is committed, nothing after the last one is, the head's root is that
/// block's reference root, and a later replay resumes and reaches the chain's final root.
/// </summary>
public class CancelledReplayTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_cancelled_replay_stops_after_a_committed_block_and_resumes(bool pipeline)
    {
        const int blocks = 10, cancelAt = 4;
        var workload = Workload(blocks: blocks, seed: 31);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var chainPath = dir.Sub("chain.pxb");
        ChainWriter.Write(chainPath, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select((b, i) => new ChainBlock(b, expected[i + 1])));
        var options = new ReplayOptions { Workers = 2, Verify = true, Pipeline = pipeline, RootParallelism = 2 };

        using var cancellation = new CancellationTokenSource();
        long last = 0;
        using (var store = OpenRocks(dir.Sub("db")))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => StoredChainReplayer.Replay(chainPath, store, options,
                onBlock: b =>
                {
                    last = b.Block.Number;
                    if (last == cancelAt) cancellation.Cancel();
                },
                cancellationToken: cancellation.Token));
            // The block being executed when the token was cancelled may still finish; none after it starts.
            Assert.InRange(last, cancelAt, cancelAt + 2);
            Assert.Equal(last, store.Head.Number);
            Assert.Equal(expected[last], store.Head.StateRoot);
            // Stopped between checkpoints (every 16th block): the head was made one, so the next open is instant.
            AssertHeadTrieStored(store, "after the stop");
        }

        using var reopened = OpenRocks(dir.Sub("db"));
        var rest = StoredChainReplayer.Replay(chainPath, reopened, options);
        Assert.Equal(blocks - last, rest.Blocks);
        Assert.Equal(expected[blocks], rest.FinalRoot);
        AssertHeadTrieStored(reopened, "at the chain's end, block 10");
    }

    [Fact]
    public void A_cancelled_in_memory_replay_reports_every_block_it_ran_before_stopping()
    {
        var workload = Workload(blocks: 8, seed: 32);
        using var dir = new TempDir();
        var chainPath = dir.Sub("chain.pxb");
        ChainWriter.Write(chainPath, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
        var expected = ReferenceRoots(workload);
        using var cancellation = new CancellationTokenSource();
        var seen = new List<(long Number, Hash256 Root)>();

        Assert.ThrowsAny<OperationCanceledException>(() => ChainReplayer.Replay(chainPath, new ReplayOptions { Workers = 2 },
            onBlock: r =>
            {
                seen.Add((r.Block.Number, r.Root));
                if (r.Block.Number == 3) cancellation.Cancel();
            },
            cancellationToken: cancellation.Token));
        Assert.InRange(seen.Count, 3, 5);
        for (int i = 0; i < seen.Count; i++) Assert.Equal((i + 1L, expected[i + 1]), seen[i]);
    }
}
