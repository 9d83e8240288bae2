using ParallelExec.Blocks;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// Recording a chain into a database (its genesis streamed, the trie within a tiny budget) writes the
/// same file, byte for byte, as recording it in memory, and leaves the database holding the chain's
/// state: a replay of the recorded file into it finds every block already committed.
/// </summary>
public class RecordIntoDatabaseTests
{
    [Theory]
    [InlineData(WorkloadKind.Mixed)]
    [InlineData(WorkloadKind.Token)]
    public void A_chain_recorded_into_a_database_is_the_chain_recorded_in_memory(WorkloadKind kind)
    {
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {kind}";
        var workload = Workload(blocks: 10, txs: 90, seed: (ulong)seed, kind: kind, accounts: 150);
        using var dir = new TempDir();
        string inMemory = dir.Sub("memory.pxb"), onDisk = dir.Sub("disk.pxb");
        ChainWriter.Write(inMemory, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
        File.Copy(inMemory, onDisk);

        var memoryReport = ChainRecorder.Record(inMemory, workers: 4);
        using (var store = OpenRocks(dir.Sub("db")))
        {
            var options = new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 2, TrieCacheBytes = 1 };
            var diskReport = ChainRecorder.Record(onDisk, workers: 4, store: store, stateOptions: options);
            Assert.True(memoryReport.FinalRoot == diskReport.FinalRoot, $"{at}: final roots differ");
            Assert.True(store.Head.Number == 10 && store.Head.StateRoot == diskReport.FinalRoot, $"{at}: the database is at block {store.Head.Number}, not the chain's head");
            Assert.True(File.ReadAllBytes(inMemory).AsSpan().SequenceEqual(File.ReadAllBytes(onDisk)), $"{at}: the recorded files differ");
            // Not twice into the same database: it already holds the chain.
            var again = Assert.Throws<ArgumentException>(() => ChainRecorder.Record(onDisk, workers: 2, store: store));
            Assert.Contains("needs an empty one", again.Message);
        }
        using (var store = OpenRocks(dir.Sub("db"), create: false))
        {
            var replay = StoredChainReplayer.Replay(onDisk, store, new ReplayOptions { Workers = 2, Verify = true });
            Assert.True(replay.SkippedBlocks == 10 && replay.Blocks == 0 && replay.Success, $"{at}: a replay of the recorded file into its database ran {replay.Blocks} blocks");
        }
    }
}
