using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Terminal;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec replay --db DIR</c>: replays a chain into a RocksDB state database, resuming after its head.</summary>
internal static class StoredReplay
{
    public static int Run(string chainPath, string dbPath, ReplayOptions options, int journal, bool trieNodes, int trieNodeInterval, long cacheBytes, long blockCacheBytes, bool asJson,
        TransactionCodecRegistry? registry, string? witnessDir, CancellationToken cancellationToken)
    {
        var storeOptions = new RocksDbStoreOptions { CreateIfMissing = true, JournalRetention = journal, BlockCacheBytes = blockCacheBytes };
        // A database there already is opened first: resuming it, the file's genesis is only compared
        // by its digest. Otherwise the file first: a malformed one fails before a database is created for it.
        using var existing = RocksDbStateStore.Exists(dbPath) ? RocksDbStateStore.Open(dbPath, storeOptions) : null;
        using var chain = OpenChain();
        ChainReader OpenChain()
        {
            try
            {
                return StoredChainReplayer.OpenChain(chainPath, options, registry, cancellationToken, existing);
            }
            catch (OperationCanceledException e)
            {
                throw new CommandInterruptedException($"stopped while checking {chainPath}'s genesis ({dbPath} untouched)", e);
            }
        }
        using var created = existing is null ? RocksDbStateStore.Open(dbPath, storeOptions) : null;
        var store = existing ?? created!;
        var stateOptions = new ChainStateOptions { RootParallelism = options.RootParallelism, PersistTrieNodes = trieNodes, TrieNodeInterval = trieNodeInterval,
            TrieCacheBytes = trieNodes ? cacheBytes : 0,
        };
        var perBlock = new List<object>();
        long? last = null;
        long witnessBytes = 0;
        if (witnessDir is not null) Directory.CreateDirectory(witnessDir);
        void OnBlock(CommittedBlock b)
        {
            last = b.Block.Number;
            if (b.Witness is { } witness) witnessBytes += WriteWitness(witnessDir!, witness);
            if (!asJson) return;
            perBlock.Add(new
            {
                number = b.Block.Number, trieNodes = b.TrieNodes, trieBytes = b.TrieBytes, listRoot = b.ListRoot.ToString().ToLowerInvariant(),
                rootMs = Math.Round(b.Root.TotalMilliseconds, 3), commitMs = Math.Round(b.Commit.TotalMilliseconds, 3),
            });
        }
        StoredReplayReport report;
        try
        {
            report = CliProgress.Fraction("replaying",
                p => StoredChainReplayer.Replay(chain, store, options, stateOptions, registry, onBlock: OnBlock, progress: p, cancellationToken: cancellationToken));
        }
        catch (OperationCanceledException e)
        {
            if (!store.IsInitialized)
                throw new CommandInterruptedException($"stopped while creating {dbPath} from the chain file's genesis (nothing committed: a rerun starts the import over)", e);
            string head = $"committed head {store.Head.Number}";
            throw new CommandInterruptedException(last is { } n ? $"stopped after block {n} ({head})" : $"stopped before the first block ({head})", e);
        }
        if (asJson) PrintJson(chainPath, dbPath, options, report, perBlock);
        else PrintText(dbPath, options, report);
        if (witnessDir is not null && !asJson)
            CliConsole.Prose($"witnesses: {report.Blocks} written to {witnessDir} ({witnessBytes:N0} bytes)");
        if (report.Mismatch is { } m)
            return CommandRunner.Fail("replay", $"{m} (not committed; the database stays at block {report.Head.Number})", 2);
        if (options.Verify && report.UnrecordedBlocks > 0)
            return CommandRunner.Fail("replay", $"{chainPath}: {report.UnrecordedBlocks} blocks have no recorded state root (run parallelexec record first)",
                ReplayCommand.UnrecordedExitCode);
        return 0;
    }

    // witness-N.bin in the folder, through a temporary file; returns its size.
    private static long WriteWitness(string folder, Stateless.ExecutionWitness witness) =>
        ChainCli.WriteWitness(Path.Combine(folder, $"witness-{witness.BlockNumber}.bin"), witness);

    private static void PrintJson(string path, string db, ReplayOptions options, StoredReplayReport r, List<object> perBlock) =>
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            file = path, db, executor = r.Executor, workers = r.Workers, created = r.Created,
            startBlock = r.StartHead.Number, headBlock = r.Head.Number, skippedBlocks = r.SkippedBlocks,
            blocks = r.Blocks, txs = r.Transactions, trieNodes = r.TrieNodes,
            verify = options.Verify, verifiedBlocks = r.VerifiedBlocks, accessLists = options.UseAccessLists, listRoots = r.ListRoots, unrecordedBlocks = r.UnrecordedBlocks, success = r.Success,
            mismatch = r.Mismatch is { } m ? new { block = m.BlockNumber, expected = m.Expected.ToString(), actual = m.Actual.ToString() } : null,
            genesisRoot = r.GenesisRoot.ToString(), finalRoot = r.FinalRoot.ToString(), pipelined = r.Pipelined,
            tps = Math.Round(r.Tps), stageSumTps = Math.Round(r.TotalTps), warmedTrieNodes = r.WarmedNodes, warmedTrieBytes = r.WarmedBytes, warmedInnerNodesOnly = r.WarmedInnerNodesOnly,
            cachedAccounts = r.CachedAccounts, accountCacheBytes = r.AccountCacheBytes, accountCacheWarmMs = Math.Round(r.AccountCacheWarm.TotalMilliseconds, 3), accountCacheHits = r.AccountCacheHits,
            evictions = r.Evictions, budgetCheckpoints = r.BudgetCheckpoints, builtTrieLeaves = r.BuiltTrieLeaves, builtSlotLeaves = r.BuiltSlotLeaves,
            trieNodeReads = r.TrieNodeReads, trieNodeReadBytes = r.TrieNodeReadBytes,
            stagesMs = new
            {
                open = Math.Round(r.Open.TotalMilliseconds, 3), warm = Math.Round(r.Warm.TotalMilliseconds, 3), execute = Math.Round(r.Execute.TotalMilliseconds, 3),
                apply = Math.Round(r.Apply.TotalMilliseconds, 3), root = Math.Round(r.Root.TotalMilliseconds, 3),
                commit = Math.Round(r.Commit.TotalMilliseconds, 3), waiting = Math.Round(r.Waiting.TotalMilliseconds, 3),
                blocks = Math.Round(r.BlocksElapsed.TotalMilliseconds, 3), blocksCpu = Math.Round(r.BlocksCpu.TotalMilliseconds, 3), total = Math.Round(r.Total.TotalMilliseconds, 3),
            },
            collector = ChainCli.CollectorJson(r.BlocksCollector),
            perBlock,
        }, ChainCli.Json));

    private static void PrintText(string db, ReplayOptions options, StoredReplayReport r)
    {
        CliConsole.Prose(r.Created
            ? $"created {db} with the chain's genesis (block {r.StartHead.Number}, root {r.GenesisRoot})"
            : $"resumed {db} after block {r.StartHead.Number} ({r.SkippedBlocks} blocks of the file already committed)");
        CliConsole.Prose($"committed {r.Blocks} blocks, {r.Transactions} txs, {r.TrieNodes} trie nodes ({r.Executor}, {r.Workers} workers, {(r.Pipelined ? "pipelined" : "one block at a time")})");
        CliConsole.Prose($"blocks {ChainCli.Ms(r.BlocksElapsed)} ({ChainCli.Ms(r.BlocksCpu)} CPU): {r.Tps:N0} tx/s (open {ChainCli.Ms(r.Open)} before)");
        CliConsole.Prose(ChainCli.CollectorLine(r.BlocksCollector, r.BlocksElapsed));
        if (r.WarmedNodes > 0)
            CliConsole.Prose($"trie warmed before the first block: {r.WarmedNodes:N0} account-trie nodes ({r.WarmedBytes / (1 << 20):N0} MiB)"
                + (r.WarmedInnerNodesOnly ? ", its branches and extensions (the whole trie is over a quarter of --cache-mb)" : "")
                + $", read in scans in {ChainCli.Ms(r.Warm)}, before the first block's apply");
        if (r.CachedAccounts > 0)
            CliConsole.Prose($"account records kept in memory: {r.CachedAccounts:N0} ({r.AccountCacheBytes / (1 << 20):N0} MiB beside the trie's --cache-mb, read in {ChainCli.Ms(r.AccountCacheWarm)}); account reads answered from them: {r.AccountCacheHits:N0}");
        if (r.BuiltTrieLeaves > 0 || r.BuiltSlotLeaves > 0)
            CliConsole.Prose($"trie leaves built from the blocks' reads instead of read from the database: {r.BuiltTrieLeaves:N0} accounts'"
                + (r.BuiltSlotLeaves > 0 ? $", {r.BuiltSlotLeaves:N0} slots'" : ""));
        if (r.TrieNodeReads > 0)
            CliConsole.Prose($"trie nodes read from the database (walks into nodes not in memory): {r.TrieNodeReads:N0} ({r.TrieNodeReadBytes / (1 << 20):N0} MiB)");
        if (r.BudgetCheckpoints > 0)
            CliConsole.Prose($"trie budget: {r.BudgetCheckpoints} blocks made checkpoints because their loads took the trie past --cache-mb, so that what they loaded could be dropped; {r.Evictions} evictions");
        CliConsole.Prose($"stages summed: execute {ChainCli.Ms(r.Execute)}, apply {ChainCli.Ms(r.Apply)}, root {ChainCli.Ms(r.Root)}, commit {ChainCli.Ms(r.Commit)}: {r.TotalTps:N0} tx/s"
            + (r.Pipelined ? $"; waited for root and commit {ChainCli.Ms(r.Waiting)}" : ""));
        if (options.UseAccessLists)
            CliConsole.Prose($"access lists: every block executed with its recorded list; the root hashed from the list while the block executed stood for {r.ListRoots} of {r.Blocks} blocks");
        CliConsole.Prose($"head block {r.Head.Number}, state root {r.FinalRoot}");
        if (options.Verify)
            CliConsole.Prose(r.Mismatch is null
                ? $"verified {r.VerifiedBlocks} of {r.Blocks} blocks" + (r.UnrecordedBlocks > 0 ? $" ({r.UnrecordedBlocks} without a recorded root)" : "")
                : $"verification FAILED at block {r.Mismatch.BlockNumber}");
    }
}
