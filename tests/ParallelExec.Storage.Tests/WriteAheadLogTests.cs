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
        const long memtable = 64 << 10;
        var options = new RocksDbStoreOptions { CreateIfMissing = true, SyncCommits = false, BlockCacheBytes = 1 << 20, WriteBufferBytes = memtable };
        // A block's writes to the log: the largest growth of the log over one block (most blocks
        // delete no log file meanwhile). The genesis import's log is left behind by block 10 at the latest.
        long blockWrites = 0, largestLater = 0;
        using (var rocks = RocksDbStateStore.Open(path, options))
        {
            var chain = Create(rocks, workload, EveryBlock);
            for (int b = 0; b < blocks; b++)
            {
                long before = LogBytes(path);
                Run(chain, workload, b, b + 1);
                long after = LogBytes(path);
                blockWrites = Math.Max(blockWrites, after - before);
                if (b >= 10) largestLater = Math.Max(largestLater, after);
            }
            Assert.True(rocks.Head.StateRoot == roots[blocks], "the head's root is the reference's");
        }
        // Unbounded, the log would hold every block's writes (here about 17 MB after 40 blocks); bounded
        // by four memtables (256 KiB), it held 0.6-1.3 MB: a block's batch overruns it until the next
        // switch of log files, and the flush that frees the oldest runs in the background.
        Assert.True(blockWrites > memtable, $"a block wrote only {blockWrites} bytes of log: too few to test the bound");
        Assert.True(largestLater < blockWrites * blocks / 3,
            $"the log reached {largestLater} bytes, though a block writes about {blockWrites} and {blocks} blocks ran");
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
