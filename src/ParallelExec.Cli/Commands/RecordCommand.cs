using System.CommandLine;
using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec record</c>: executes a chain and writes each block's state root and dependency graph into it.</summary>
public static class RecordCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file (rewritten in place, atomically: interrupted, it is unchanged)" };
        var workers = NumberOption.Int("--workers", $"Workers of the parallel executor (default: processor count; at most {WorkerCounts.Max})",
            WorkerCounts.Default, 1, WorkerCounts.Max);
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var codecs = CodecAssemblies.CreateOption();
        var db = new Option<DirectoryInfo?>("--db")
        {
            Description = "Execute into this new RocksDB state database folder instead of memory (the genesis streamed, the trie's memory bounded by --cache-mb): " +
                          "for states that do not fit in memory; afterwards it holds the chain's state, as replay --db would leave it",
        };
        var cacheMb = DatabaseOptions.TrieCacheMb();
        var dbCacheMb = DatabaseOptions.BlockCacheMb();
        var command = new Command("record", "Execute a chain (parallel, dependencies recorded) and record each block's post-state root and dependency graph in the file");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { workers, json, codecs, db, cacheMb, dbCacheMb }) command.Options.Add(option);
        command.SetInterruptibleAction((parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!.FullName;
            int n = parse.GetValue(workers);
            var dbPath = parse.GetValue(db)?.FullName;
            DatabaseOptions.RequireDb(parse, dbPath, cacheMb, dbCacheMb);
            if (dbPath is not null && (File.Exists(dbPath) || (Directory.Exists(dbPath) && Directory.EnumerateFileSystemEntries(dbPath).Any())))
            {
                throw new ArgumentException($"--db {dbPath}: must be a new or empty folder (record executes the chain from its genesis)");
            }
            ReplayReport report;
            bool imported = false; // the database holds the genesis (else the stop came before or during its import)
            try
            {
                report = ChainCli.OnChainFile(path, () => CliProgress.Fraction("recording", p =>
                {
                    var registry = CodecAssemblies.Load(parse.GetValue(codecs));
                    if (dbPath is null) return ChainRecorder.Record(path, n, registry, progress: p, cancellationToken: cancellationToken);
                    using var store = RocksDbStateStore.Open(dbPath, new RocksDbStoreOptions { CreateIfMissing = true, BlockCacheBytes = (long)parse.GetValue(dbCacheMb) << 20 });
                    var stateOptions = new ChainStateOptions { TrieCacheBytes = (long)parse.GetValue(cacheMb) << 20 };
                    try
                    {
                        return ChainRecorder.Record(path, n, registry, progress: p, cancellationToken: cancellationToken, store: store, stateOptions: stateOptions);
                    }
                    finally
                    {
                        imported = store.IsInitialized;
                    }
                }));
            }
            catch (OperationCanceledException e)
            {
                var database = dbPath is null ? ""
                    : imported ? $"; {dbPath} holds the blocks executed so far (delete it before recording again)"
                    : $"; {dbPath} holds no committed state yet (delete it before recording again)";
                throw new CommandInterruptedException($"stopped before the end; {path} is unchanged{database}", e);
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    file = path, blocks = report.Blocks, txs = report.Transactions, workers = report.Workers,
                    finalRoot = report.FinalRoot.ToString(), reexecutions = report.Reexecutions,
                    totalMs = Math.Round(report.Total.TotalMilliseconds, 3),
                    blocksMs = Math.Round(report.BlocksElapsed.TotalMilliseconds, 3), blocksCpuMs = Math.Round(report.BlocksCpu.TotalMilliseconds, 3),
                    collector = ChainCli.CollectorJson(report.BlocksCollector),
                }, ChainCli.Json));
            }
            else
            {
                CliConsole.Prose($"recorded {report.Blocks} blocks ({report.Transactions} txs) in {path}: final state root {report.FinalRoot} " +
                                  $"({report.Workers} workers, {report.Reexecutions} re-executions, {ChainCli.Ms(report.Total)})");
            }
            return 0;
        });
        return command;
    }
}
