using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Storage.Tests;

/// <summary>The store lowers RocksDB's compaction threads through a native call of its own: it must resolve in this build.</summary>
public class CompactionPriorityTests
{
    [Fact]
    public void Opening_a_store_lowers_the_compaction_threads_priority()
    {
        using var dir = new TempDir();
        using var store = RocksDbStateStore.Open(dir.Sub("db"), new RocksDbStoreOptions { CreateIfMissing = true });
        Assert.True(CompactionPriority.Lowered, "the native call to lower RocksDB's compaction priority was not found");
    }
}
