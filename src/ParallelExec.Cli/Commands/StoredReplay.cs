using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec replay --db DIR</c>: replays a chain into a RocksDB state database, resuming after its head.</summary>
internal static class StoredReplay
{
    public static int Run(string chainPath, string dbPath, ReplayOptions options, int journal, bool trieNodes, int trieNodeInterval, bool asJson,
        TransactionCodecRegistry? registry)
    {
        if (journal < 0) throw new ArgumentException($"--journal must be 0 or more, got {journal}");
        if (trieNodeInterval < 1) throw new ArgumentException($"--trie-node-interval must be 1 or more, got {trieNodeInterval}");
        using var store = RocksDbStateStore.Open(dbPath, new RocksDbStoreOptions { CreateIfMissing = true, JournalRetention = journal });
        var stateOptions = new ChainStateOptions { RootParallelism = options.RootParallelism, PersistTrieNodes = trieNodes, TrieNodeInterval = trieNodeInterval };
        var perBlock = new List<object>();
        void OnBlock(CommittedBlock b) => perBlock.Add(new
        {
            number = b.Block.Number, trieNodes = b.TrieNodes,
            rootMs = Math.Round(b.Root.TotalMilliseconds, 3), commitMs = Math.Round(b.Commit.TotalMilliseconds, 3),
        });
        var report = ChainCli.WithProgress("replaying", asJson,
            p => StoredChainReplayer.Replay(chainPath, store, options, stateOptions, registry, onBlock: asJson ? OnBlock : null, progress: p));
        if (asJson) PrintJson(chainPath, dbPath, options, report, perBlock);
        else PrintText(dbPath, options, report);
        if (report.Mismatch is { } m)
        {
            Console.Error.WriteLine($"replay: {m} (not committed; the database stays at block {report.Head.Number})");
            return 2;
        }
        if (options.Verify && report.UnrecordedBlocks > 0)
        {
            Console.Error.WriteLine($"replay: --verify: {report.UnrecordedBlocks} blocks have no recorded state root (run parallelexec record first)");
            return 3;
        }
        return 0;
    }

    private static void PrintJson(string path, string db, ReplayOptions options, StoredReplayReport r, List<object> perBlock) =>
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            file = path, db, executor = r.Executor, workers = r.Workers, created = r.Created,
            startBlock = r.StartHead.Number, headBlock = r.Head.Number, skippedBlocks = r.SkippedBlocks,
            blocks = r.Blocks, txs = r.Transactions, trieNodes = r.TrieNodes,
            verify = options.Verify, verifiedBlocks = r.VerifiedBlocks, unrecordedBlocks = r.UnrecordedBlocks, success = r.Success,
            mismatch = r.Mismatch is { } m ? new { block = m.BlockNumber, expected = m.Expected.ToString(), actual = m.Actual.ToString() } : null,
            genesisRoot = r.GenesisRoot.ToString(), finalRoot = r.FinalRoot.ToString(), pipelined = r.Pipelined,
            tps = Math.Round(r.Tps), stageSumTps = Math.Round(r.TotalTps),
            stagesMs = new
            {
                open = Math.Round(r.Open.TotalMilliseconds, 3), execute = Math.Round(r.Execute.TotalMilliseconds, 3),
                apply = Math.Round(r.Apply.TotalMilliseconds, 3), root = Math.Round(r.Root.TotalMilliseconds, 3),
                commit = Math.Round(r.Commit.TotalMilliseconds, 3), waiting = Math.Round(r.Waiting.TotalMilliseconds, 3),
                blocks = Math.Round(r.BlocksElapsed.TotalMilliseconds, 3), blocksCpu = Math.Round(r.BlocksCpu.TotalMilliseconds, 3), total = Math.Round(r.Total.TotalMilliseconds, 3),
            },
            perBlock,
        }, ChainCli.Json));

    private static void PrintText(string db, ReplayOptions options, StoredReplayReport r)
    {
        Console.WriteLine(r.Created
            ? $"created {db} with the chain's genesis (block {r.StartHead.Number}, root {r.GenesisRoot})"
            : $"resumed {db} after block {r.StartHead.Number} ({r.SkippedBlocks} blocks of the file already committed)");
        Console.WriteLine($"committed {r.Blocks} blocks, {r.Transactions} txs, {r.TrieNodes} trie nodes ({r.Executor}, {r.Workers} workers, {(r.Pipelined ? "pipelined" : "one block at a time")})");
        Console.WriteLine($"blocks {ChainCli.Ms(r.BlocksElapsed)} ({ChainCli.Ms(r.BlocksCpu)} CPU): {r.Tps:N0} tx/s (open {ChainCli.Ms(r.Open)} before)");
        Console.WriteLine($"stages summed: execute {ChainCli.Ms(r.Execute)}, apply {ChainCli.Ms(r.Apply)}, root {ChainCli.Ms(r.Root)}, commit {ChainCli.Ms(r.Commit)}: {r.TotalTps:N0} tx/s"
            + (r.Pipelined ? $"; waited for root and commit {ChainCli.Ms(r.Waiting)}" : ""));
        Console.WriteLine($"head block {r.Head.Number}, state root {r.FinalRoot}");
        if (options.Verify)
            Console.WriteLine(r.Mismatch is null
                ? $"verified {r.VerifiedBlocks} of {r.Blocks} blocks" + (r.UnrecordedBlocks > 0 ? $" ({r.UnrecordedBlocks} without a recorded root)" : "")
                : $"verification FAILED at block {r.Mismatch.BlockNumber}");
    }
}
