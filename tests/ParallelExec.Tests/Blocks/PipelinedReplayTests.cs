using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Blocks;

/// <summary>
/// The in-memory replay with <see cref="ReplayOptions.Pipeline"/> (block N+1 executing while block N is
/// hashed) reports exactly what the one-block-at-a-time replay reports.
/// </summary>
public class PipelinedReplayTests
{
    public static IEnumerable<object[]> Seeds() => [[3], [29], [Environment.TickCount & 0x7fffffff]];

    private static ChainBlock WithRoot(ChainBlock block, Hash256 root) => new(block.Block, root, block.Dependencies);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Pipelined_and_one_block_at_a_time_replays_report_the_same_blocks(int seed)
    {
        // Few accounts: each block reads much of what the block before it wrote.
        var workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = WorkloadKind.Mixed, Accounts = 12, TransactionsPerBlock = 50, Blocks = 10, Seed = (ulong)seed, Pools = 2,
        });
        var path = ChainTestFiles.TempFile();
        try
        {
            File.WriteAllBytes(path, ChainTestFiles.Bytes(workload));
            ChainRecorder.Record(path, workers: 2);
            var runs = new List<(ReplayReport Report, List<(long, Hash256, Hash256)> Blocks)>();
            foreach (var options in new[]
            {
                new ReplayOptions { Sequential = true, Verify = true, Pipeline = false },
                new ReplayOptions { Sequential = true, Verify = true },
                new ReplayOptions { Workers = 2, Verify = true },
                new ReplayOptions { Workers = 4, Verify = true, RootParallelism = 2 },
            })
            {
                var blocks = new List<(long, Hash256, Hash256)>();
                var report = ChainReplayer.Replay(path, options, onBlock: r => blocks.Add((r.Block.Number, r.Root, r.Result.ComputeDigest())));
                Assert.Equal(options.Pipeline, report.Pipelined);
                Assert.True(report.Success, $"seed {seed}, {(options.Pipeline ? "pipelined" : "one at a time")}: {report.Mismatch}");
                runs.Add((report, blocks));
            }
            var (reference, referenceBlocks) = runs[0];
            Assert.Equal(10, reference.VerifiedBlocks);
            foreach (var (report, blocks) in runs.Skip(1))
            {
                Assert.True(referenceBlocks.SequenceEqual(blocks), $"seed {seed}: blocks differ from the one-at-a-time replay");
                Assert.Equal(reference.FinalRoot, report.FinalRoot);
                Assert.Equal(reference.VerifiedBlocks, report.VerifiedBlocks);
                Assert.Equal(reference.Transactions, report.Transactions);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_pipelined_replay_stops_at_a_mismatch_and_reports_nothing_after_it()
    {
        const int blocks = 8, wrong = 5;
        var workload = ChainTestFiles.Workload(WorkloadKind.Mixed, blocks: blocks, txs: 40, hints: HintMode.None);
        var path = ChainTestFiles.TempFile();
        try
        {
            File.WriteAllBytes(path, ChainTestFiles.Bytes(workload));
            ChainRecorder.Record(path, workers: 2);
            List<ChainBlock> recorded;
            ChainStart start;
            using (var reader = ChainReader.Open(path)) { start = reader.Start; recorded = reader.ReadBlocks().ToList(); }
            var expected = recorded[wrong - 1].ExpectedRoot;
            recorded[wrong - 1] = WithRoot(recorded[wrong - 1], Hash256.FromUInt256(new UInt256(7)));
            ChainWriter.Write(path, start, recorded);

            var reports = new List<ReplayReport>();
            foreach (bool pipeline in new[] { false, true })
            {
                var seen = new List<long>();
                var report = ChainReplayer.Replay(path, new ReplayOptions { Workers = 2, Verify = true, Pipeline = pipeline }, onBlock: r => seen.Add(r.Block.Number));
                Assert.False(report.Success);
                Assert.Equal(wrong, report.Mismatch!.BlockNumber);
                Assert.Equal(expected, report.Mismatch.Actual);
                Assert.Equal(Enumerable.Range(1, wrong).Select(n => (long)n), seen);
                Assert.Equal(wrong, report.Blocks);
                Assert.Equal(wrong - 1, report.VerifiedBlocks);
                Assert.Equal(expected, report.FinalRoot);
                reports.Add(report);
            }
            Assert.Equal(reports[0].Mismatch, reports[1].Mismatch);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
