using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A checkpoint whose nodes a RocksDB store ingests as a table file lands in steps (the block's
/// batch, the file, the trie record): stopped after any of them, as by a crash, the database reopens
/// at a committed block whose stored trie is the one its record names, or the head's when the file
/// landed, and the chain goes on to the reference roots. Seeds are random and named in every failure
/// message.
/// </summary>
public class CheckpointFileTests
{
    private const int Blocks = 12;
    private const int Interval = 4;

    private static ChainStateOptions Options => new() { RootParallelism = 2, TrieNodeInterval = Interval };

    private sealed class Crash(string step) : Exception($"crash after step '{step}'");

    [Fact]
    public async Task An_ingested_checkpoint_file_is_read_back_into_the_page_cache_in_the_background()
    {
        int seed = Environment.TickCount & 0x7fffffff;
        var workload = Workload(blocks: Interval, txs: 60, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 40);
        using var dir = new TempDir();
        using var store = OpenRocks(dir.Sub("db"), retention: 16, checkpointFiles: true);
        // The file's size as written, before the ingestion moves it in (a compaction may rewrite it after).
        long written = -1;
        store.CheckpointFileStep = step =>
        {
            if (step == "committed") written = new FileInfo(Path.Combine(dir.Sub("db"), RocksDbStateStore.CheckpointFileName)).Length;
        };
        var chain = ChainState.Create(store, workload.Genesis.Entries, 0, Options);
        Run(chain, workload, 0, Interval);
        Assert.True(store.CheckpointFilesIngested == 1 && written > 0, $"seed {seed}: checkpoint {Interval} was not landed as a file");
        var readBack = store.CheckpointFileReadBack;
        Assert.True(readBack is not null, $"seed {seed}: the ingested file was not read back");
        long bytes = await readBack.WaitAsync(TimeSpan.FromSeconds(30));
        // The writer drops the file's pages on Linux; elsewhere nothing is read.
        Assert.True(bytes == (OperatingSystem.IsLinux() ? written : 0), $"seed {seed}: the read-back read {bytes} bytes of the {written} written");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("committed")]
    [InlineData("ingested")]
    public void A_checkpoint_stopped_after_any_step_reopens_at_a_committed_block_with_its_stored_trie(string? stopAfter)
    {
        int seed = Environment.TickCount & 0x7fffffff;
        string at = $"seed {seed}, stopped after {stopAfter ?? "nothing"}";
        var workload = Workload(blocks: Blocks, txs: 60, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 40);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var store = OpenRocks(dir.Sub("db"), retention: 16, checkpointFiles: true);
        try
        {
            var chain = ChainState.Create(store, workload.Genesis.Entries, 0, Options);
            Assert.Equal(expected[4], Run(chain, workload, 0, 4)[^1]);
            Assert.True(store.CheckpointFilesIngested == 1, $"{at}: checkpoint 4 was not landed as a file");
            AssertHeadTrieStored(store, $"{at}, checkpoint 4");
            // Block 8 is the next checkpoint: stopped at the step, as a crash would.
            if (stopAfter is not null) store.CheckpointFileStep = step => { if (step == stopAfter) throw new Crash(step); };
            if (stopAfter is null)
            {
                Run(chain, workload, 4, 8);
            }
            else
            {
                Run(chain, workload, 4, 7);
                Assert.Throws<Crash>(() => Run(chain, workload, 7, 8));
            }
            Assert.False(File.Exists(Path.Combine(dir.Sub("db"), RocksDbStateStore.CheckpointFileName)), $"{at}: the checkpoint file was left behind");
            store.Dispose();

            store = OpenRocks(dir.Sub("db"), retention: 16, create: false, checkpointFiles: true);
            // The batch landed before any step: block 8 is committed; its trie is stored once the file is in.
            Assert.True(store.Head.Number == 8 && store.Head.StateRoot == expected[8], $"{at}: reopened at {store.Head}");
            long storedAt = stopAfter == "committed" ? 4 : 8;
            Assert.True(store.TrieNodesAt?.Number == storedAt, $"{at}: the stored trie is {store.TrieNodesAt?.ToString() ?? "none"}, not block {storedAt}'s");
            if (storedAt == 8) AssertHeadTrieStored(store, $"{at}, reopened");
            var reopened = ChainState.Open(store, Options);
            Assert.False(reopened.OpenRebuiltTrie, $"{at}: the open rebuilt the trie");
            AssertHeadTrieStored(store, $"{at}, opened at 8");
            Assert.Equal(expected[Blocks], Run(reopened, workload, 8, Blocks)[^1]);
            AssertHeadTrieStored(store, $"{at}, checkpoint {Blocks}");
            // Reopened over block 4's trie, the open stored block 8's (WriteTrieNodes) as a file too.
            int files = storedAt == 4 ? 2 : 1;
            Assert.True(store.CheckpointFilesIngested == files, $"{at}: {store.CheckpointFilesIngested} files landed since the reopen, not {files}");
        }
        finally
        {
            store.Dispose();
        }
    }

    /// <summary>A store in <paramref name="dir"/> that ran a small chain to block 4, its first checkpoint.</summary>
    private static RocksDbStateStore StoreAtBlock4(TempDir dir, bool checkpointFiles)
    {
        var workload = Workload(blocks: 4, txs: 40, kind: WorkloadKind.Mixed, accounts: 40);
        var store = OpenRocks(dir.Sub("db"), checkpointFiles: checkpointFiles);
        Run(ChainState.Create(store, workload.Genesis.Entries, 0, Options), workload, 0, 4);
        return store;
    }

    [Fact]
    public void A_checkpoint_file_left_by_a_crash_while_it_was_written_is_deleted_at_open()
    {
        using var dir = new TempDir();
        StoreAtBlock4(dir, checkpointFiles: true).Dispose();
        string file = Path.Combine(dir.Sub("db"), RocksDbStateStore.CheckpointFileName);
        File.WriteAllBytes(file, new byte[1000]); // half a table: what a kill during the write leaves
        using (var store = OpenRocks(dir.Sub("db"), create: false, checkpointFiles: true))
        {
            Assert.False(File.Exists(file));
            Assert.Equal(4, store.Head.Number);
            AssertHeadTrieStored(store);
        }
    }

    [Fact]
    public void An_empty_node_set_goes_in_the_batch_even_when_files_are_asked_for()
    {
        using var dir = new TempDir();
        using var store = StoreAtBlock4(dir, checkpointFiles: true);
        int files = store.CheckpointFilesIngested;
        store.WriteTrieNodes(Array.Empty<ParallelExec.Trie.TrieNodeRecord>(), store.Head); // a table file cannot be empty
        Assert.Equal(files, store.CheckpointFilesIngested);
        AssertHeadTrieStored(store);
    }

    [Fact]
    public void Small_checkpoints_go_in_the_batch_unless_asked()
    {
        using var dir = new TempDir();
        using var store = StoreAtBlock4(dir, checkpointFiles: false);
        Assert.Equal(0, store.CheckpointFilesIngested);
        AssertHeadTrieStored(store);
    }
}
