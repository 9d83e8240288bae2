using ParallelExec.Storage.RocksDb;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// RocksDB's write-ahead log: bounded while blocks commit (the small families, which never fill a
/// memtable, used to keep every log file since the open), and empty after a close, so that the next
/// open has nothing to replay.
/// </summary>
public class WriteAheadLogTests
{
    [Fact]
    public void The_log_stays_bounded_while_blocks_commit_and_is_empty_after_a_close()
    {
        const int blocks = 40;
        var workload = Workload(blocks: blocks, txs: 200, accounts: 3000, kind: WorkloadKind.Mixed);
        var roots = ReferenceRoots(workload);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        // 256 KiB memtables: the store bounds the log to 1 MiB. RocksDB's own bound (four times all the
        // families' memtables, two each) would be 10 MiB; the genesis import writes 4.4 MB of log and
        // the 40 blocks about 12 MB more.
        var options = new RocksDbStoreOptions { CreateIfMissing = true, SyncCommits = false, BlockCacheBytes = 1 << 20, WriteBufferBytes = 256 << 10 };
        long largestLater = 0;
        using (var rocks = RocksDbStateStore.Open(path, options))
        {
            var chain = Create(rocks, workload, EveryBlock);
            for (int b = 0; b < blocks; b++)
            {
                Run(chain, workload, b, b + 1);
                // The genesis import's log is gone by block 10.
                if (b >= 10) largestLater = Math.Max(largestLater, LogBytes(path));
            }
            Assert.True(rocks.Head.StateRoot == roots[blocks], "the head's root is the reference's");
        }
        // Bounded it stays at 0.6-1.6 MB (a block's batch overruns the bound until the next switch of
        // log files, and the flush that frees the oldest runs in the background); with RocksDB's own
        // bound it reaches 15 MB.
        Assert.True(largestLater < 4 << 20, $"the log reached {largestLater} bytes; its bound is 1 MiB");
        Assert.Equal(0, LogBytes(path));

        using (var rocks = RocksDbStateStore.Open(path, options with { CreateIfMissing = false }))
        {
            Assert.True(rocks.Head.StateRoot == roots[blocks], "reopened, the head's root is the reference's");
            AssertHeadTrieStored(rocks, "reopened");
        }
    }

    // RocksDB deletes log files in the background: one gone since the listing counts nothing.
    private static long LogBytes(string path)
    {
        long bytes = 0;
        foreach (var file in Directory.EnumerateFiles(path, "*.log"))
        {
            try
            {
                bytes += new FileInfo(file).Length;
            }
            catch (FileNotFoundException)
            {
            }
        }
        return bytes;
    }
}
