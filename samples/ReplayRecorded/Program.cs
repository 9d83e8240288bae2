// What `parallelexec gen`, `record` and `replay --verify [--db]` do, through the API: generate a
// reproducible chain, write it to a chain file, record each block's state root (parallel executor),
// replay it in memory sequentially and in parallel with verification against the recorded roots, then
// replay it into a RocksDB state database (stopping after two blocks and resuming, as a node restarting
// would). Exit code 1 when any root differs. Usage: ReplayRecorded [DIR] (default: a temporary folder).
using ParallelExec.Blocks;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Workloads;

string directory = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), $"replay-recorded-{Guid.NewGuid():N}");
bool temporary = args.Length == 0;
Directory.CreateDirectory(directory);
string path = Path.Combine(directory, "mixed.pxb");
int workers = Math.Max(2, Environment.ProcessorCount);

try
{
    // gen: the built-in mixed workload (transfers, token transfers, swaps, a hot counter).
    var workload = WorkloadGenerator.Generate(new WorkloadOptions
    {
        Kind = WorkloadKind.Mixed, Accounts = 2_000, TransactionsPerBlock = 1_000, Blocks = 4, Seed = 11,
    });
    ChainWriter.Write(path, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
    Console.WriteLine($"wrote {workload.Blocks.Length} blocks ({workload.TransactionCount} txs) to {path}");

    // record: the file is rewritten (atomically) with each block's state root and dependency graph.
    var recorded = ChainRecorder.Record(path, workers);
    Console.WriteLine($"recorded with {recorded.Workers} workers: final root {recorded.FinalRoot}");

    // replay --verify, in memory: the sequential reference and the parallel executor (which uses the
    // recorded dependency graphs as hints) must both reproduce every recorded root.
    foreach (bool sequential in new[] { true, false })
    {
        var replay = ChainReplayer.Replay(path, new ReplayOptions { Sequential = sequential, Workers = workers, Verify = true });
        Require(replay.Success, $"{replay.Executor} replay: {replay.Mismatch}");
        Require(replay.VerifiedBlocks == workload.Blocks.Length, $"{replay.Executor} replay verified {replay.VerifiedBlocks} blocks");
        Console.WriteLine($"{replay.Executor} replay: {replay.VerifiedBlocks} roots verified, {replay.Reexecutions} re-executions");
    }

    // replay --verify --db: commit every block to RocksDB. A truncated copy of the file stands for a node
    // that stopped after block 2; replaying the whole file then resumes after the database's head.
    string db = Path.Combine(directory, "state");
    string firstTwo = Path.Combine(directory, "first-two.pxb");
    using (var reader = ChainReader.Open(path))
    {
        var blocks = new List<ChainBlock>();
        for (var block = reader.ReadNext(); block is not null && blocks.Count < 2; block = reader.ReadNext()) blocks.Add(block);
        ChainWriter.Write(firstTwo, reader.Start, blocks);
    }
    foreach (var file in new[] { firstTwo, path })
    {
        using var store = RocksDbStateStore.Open(db, new RocksDbStoreOptions { CreateIfMissing = true });
        var stored = StoredChainReplayer.Replay(file, store, new ReplayOptions { Workers = workers, Verify = true });
        Require(stored.Success, $"stored replay of {Path.GetFileName(file)}: {stored.Mismatch}");
        Console.WriteLine($"{Path.GetFileName(file)} into {db}: {(stored.Created ? "created" : "resumed")} at {stored.StartHead.Number}, " +
                          $"skipped {stored.SkippedBlocks}, committed {stored.Blocks}, head {stored.Head}");
    }
    using (var store = RocksDbStateStore.Open(db))
        Require(store.Head.StateRoot == recorded.FinalRoot, $"database head {store.Head}, recorded final root {recorded.FinalRoot}");
    Console.WriteLine("every replay reproduced the recorded roots");
    return 0;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"ReplayRecorded: {e.Message}");
    return 1;
}
finally
{
    if (temporary) Directory.Delete(directory, recursive: true);
}

static void Require(bool condition, string message)
{
    if (!condition) throw new InvalidOperationException(message);
}
