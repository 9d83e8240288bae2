using System.CommandLine;
using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;
using Spectre.Console;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec replay</c>: executes a chain in memory (or into a database with <c>--db</c>) and, by
/// default, verifies every block's state root against the one recorded in the file. A file without
/// recorded roots replays unverified with a note, unless <c>--verify</c> asked for verification: then
/// it fails before running anything. With <c>--db</c> a block whose root differs is never committed.
/// </summary>
public static class ReplayCommand
{
    /// <summary>Exit code when verification was asked for and the file lacks recorded roots.</summary>
    public const int UnrecordedExitCode = 3;

    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file" };
        var workers = NumberOption.Int("--workers", $"Workers of the parallel executor (default: processor count; at most {WorkerCounts.Max})",
            WorkerCounts.Default, 1, WorkerCounts.Max);
        var sequential = new Option<bool>("--sequential") { Description = "Use the sequential reference executor" };
        var verify = new Option<bool>("--verify")
        {
            Description = "Verification is the default: compare each block's state root with the recorded one and stop at the first mismatch (exit 2). "
                          + "Given explicitly, a file without recorded roots is an error (exit 3) before anything runs; by default such a file replays unverified, with a note",
        };
        var noVerify = new Option<bool>("--no-verify") { Description = "Do not compare state roots with the recorded ones (not with --db: a database never commits a block whose recorded root differs)" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var db = new Option<DirectoryInfo?>("--db") { Description = "Commit every block to this RocksDB state database folder (created when missing; a rerun resumes after its last committed block)" };
        var journal = NumberOption.Int("--journal", "With --db: blocks that keep an undo journal (revertible)", 128, 0);
        var noNodes = new Option<bool>("--no-trie-nodes") { Description = "With --db: do not write trie nodes (flat state, records and journal only)" };
        var interval = NumberOption.Int("--trie-node-interval",
            $"With --db: write trie nodes at every Nth block (a checkpoint: its whole trie becomes walkable from the database), more often while a checkpoint writes over {ChainStateOptions.DefaultCheckpointBytes >> 20} MiB; 1: every block",
            ChainStateOptions.DefaultTrieNodeInterval, 1);
        var cacheMb = DatabaseOptions.TrieCacheMb();
        var dbCacheMb = DatabaseOptions.BlockCacheMb();
        var bal = new Option<bool>("--bal")
        {
            Description = "Execute each block with its recorded EIP-7928 access list (strict: a list the block does not follow fails it), "
                          + "hashing the state root from the list while the block executes (the file must carry lists: parallelexec record adds them)",
        };
        var noPipeline = new Option<bool>("--no-pipeline") { Description = "Run one block at a time instead of executing block N+1 while block N's root is computed (and, with --db, committed)" };
        var witnesses = new Option<DirectoryInfo?>("--witnesses")
        {
            Description = "With --db: also write every replayed block's execution witness into this folder (witness-N.bin, created when missing), built from the trie before the block: what witness --db makes one block at a time",
        };
        var to = NumberOption.Long("--to", "Stop after this block (the rest of the file is not read; with --db a later replay resumes after it, and witness --db makes the next block's witness from its state)", long.MaxValue, 0);
        var codecs = CodecAssemblies.CreateOption();
        var command = new Command("replay", "Execute every block of a chain from its genesis (in memory, or committed to a database with --db), compute each state root and verify it against the recorded one");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { workers, sequential, verify, noVerify, json, db, journal, noNodes, interval, cacheMb, dbCacheMb, noPipeline, bal, to, witnesses, codecs }) command.Options.Add(option);
        command.SetInterruptibleAction((parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!.FullName;
            bool asJson = parse.GetValue(json);
            bool verifyAsked = parse.GetValue(verify), skipVerify = parse.GetValue(noVerify);
            var dbPath = parse.GetValue(db)?.FullName;
            if (verifyAsked && skipVerify) throw new ArgumentException("--verify and --no-verify contradict each other");
            bool withLists = parse.GetValue(bal);
            if (withLists && parse.GetValue(sequential)) throw new ArgumentException("--bal runs the parallel executor with each block's list; it cannot be combined with --sequential");
            DatabaseOptions.RequireDb(parse, dbPath, journal, noNodes, interval, cacheMb, dbCacheMb, witnesses);
            var witnessDir = parse.GetValue(witnesses)?.FullName;
            if (witnessDir is not null && File.Exists(witnessDir)) throw new ArgumentException($"--witnesses {witnessDir}: is a file, not a folder");
            if (dbPath is not null)
            {
                if (skipVerify) throw new ArgumentException("--no-verify cannot be combined with --db: a database never commits a block whose recorded root differs");
                if (File.Exists(dbPath)) throw new ArgumentException($"--db {dbPath}: is a file, not a database folder");
            }
            return ChainCli.OnChainFile(path, () =>
            {
                var registry = CodecAssemblies.Load(parse.GetValue(codecs));
                // One look at the first block, when its records matter (record writes them into every block).
                var first = skipVerify && !withLists ? null : FirstBlock(path, registry, cancellationToken);
                bool verifying = !skipVerify && first is { HasExpectedRoot: true };
                if (withLists && first is not { AccessList: not null })
                    throw new CommandFailedException($"--bal: {path} has no recorded access lists (parallelexec record adds them)", UnrecordedExitCode);
                if (verifyAsked && !verifying)
                    throw new CommandFailedException($"--verify: {path} has no recorded state roots, nothing to verify (parallelexec record adds them)", UnrecordedExitCode);
                var options = new ReplayOptions
                {
                    Workers = parse.GetValue(workers), Sequential = parse.GetValue(sequential), Verify = verifying, Pipeline = !parse.GetValue(noPipeline),
                    UseAccessLists = withLists, LastBlock = parse.GetResult(to) is { Implicit: false } ? parse.GetValue(to) : null, Witnesses = witnessDir is not null,
                };
                int code = dbPath is not null
                    ? StoredReplay.Run(path, dbPath, options, parse.GetValue(journal), !parse.GetValue(noNodes), parse.GetValue(interval),
                        (long)parse.GetValue(cacheMb) << 20, (long)parse.GetValue(dbCacheMb) << 20, asJson, registry, witnessDir, cancellationToken)
                    : InMemory(path, options, asJson, registry, cancellationToken);
                if (code == 0 && !skipVerify && !verifying)
                    CommandRunner.Note("replay", $"note: {path} has no recorded state roots, so its blocks were not verified (parallelexec record adds them)");
                return code;
            });
        });
        return command;
    }

    /// <summary>The file's first block (null when it has none); the genesis is stepped over, not checked (the run opens the file again and checks it).</summary>
    private static ChainBlock? FirstBlock(string path, TransactionCodecRegistry? registry, CancellationToken cancellationToken)
    {
        using var reader = ChainReader.Open(path, registry, ChainReaderOptions.BlocksOnly, cancellationToken);
        return reader.ReadNext();
    }

    private static int InMemory(string path, ReplayOptions options, bool asJson, TransactionCodecRegistry? registry, CancellationToken cancellationToken)
    {
        long? last = null;
        ReplayReport report;
        try
        {
            report = CliProgress.Fraction("replaying", p => ChainReplayer.Replay(path, options, registry, onBlock: b => last = b.Block.Number, progress: p,
                cancellationToken: cancellationToken));
        }
        catch (OperationCanceledException e)
        {
            throw new CommandInterruptedException(last is { } n ? $"stopped after block {n}" : "stopped before the first block", e);
        }
        if (asJson) PrintJson(path, options, report);
        else PrintText(options, report);
        if (report.Mismatch is { } m) return CommandRunner.Fail("replay", m.ToString(), 2);
        if (options.Verify && report.UnrecordedBlocks > 0)
            return CommandRunner.Fail("replay", $"{path}: {report.UnrecordedBlocks} blocks have no recorded state root (run parallelexec record first)", UnrecordedExitCode);
        return 0;
    }

    private static void PrintJson(string path, ReplayOptions options, ReplayReport r) =>
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            file = path, executor = r.Executor, workers = r.Workers, blocks = r.Blocks, txs = r.Transactions,
            verify = options.Verify, verifiedBlocks = r.VerifiedBlocks, unrecordedBlocks = r.UnrecordedBlocks,
            success = r.Success,
            mismatch = r.Mismatch is { } m ? new { block = m.BlockNumber, expected = m.Expected.ToString(), actual = m.Actual.ToString() } : null,
            genesisRoot = r.GenesisRoot.ToString(), finalRoot = r.FinalRoot.ToString(),
            pipelined = r.Pipelined, tps = Math.Round(r.Tps), executeTps = Math.Round(r.ExecuteTps), stageSumTps = Math.Round(r.TotalTps),
            reexecutions = r.Reexecutions, validationFailures = r.ValidationFailures, sequentialFallbacks = r.SequentialFallbacks,
            stagesMs = new
            {
                genesis = Math.Round(r.Genesis.TotalMilliseconds, 3), execute = Math.Round(r.Execute.TotalMilliseconds, 3),
                apply = Math.Round(r.Apply.TotalMilliseconds, 3), root = Math.Round(r.Root.TotalMilliseconds, 3),
                blocks = Math.Round(r.BlocksElapsed.TotalMilliseconds, 3), blocksCpu = Math.Round(r.BlocksCpu.TotalMilliseconds, 3),
                total = Math.Round(r.Total.TotalMilliseconds, 3),
            },
            collector = ChainCli.CollectorJson(r.BlocksCollector),
        }, ChainCli.Json));

    private static void PrintText(ReplayOptions options, ReplayReport r)
    {
        CliConsole.Prose($"replay: {r.Blocks} blocks, {r.Transactions} txs, {r.Executor} ({r.Workers} workers, {(r.Pipelined ? "pipelined" : "one block at a time")})");
        var table = CliTable.Create("", ("stage", false), ("time", true), ("tx/s", true));
        table.AddRow("genesis trie", ChainCli.Ms(r.Genesis), "");
        table.AddRow("execute", ChainCli.Ms(r.Execute), r.ExecuteTps.ToString("N0"));
        table.AddRow("apply", ChainCli.Ms(r.Apply), "");
        table.AddRow("state root", ChainCli.Ms(r.Root), "");
        table.AddRow("execute+apply+root (summed)", ChainCli.Ms(r.Execute + r.Apply + r.Root), r.TotalTps.ToString("N0"));
        table.AddRow("blocks, wall time", ChainCli.Ms(r.BlocksElapsed), r.Tps.ToString("N0"));
        CliConsole.Out.Write(table);
        CliConsole.Prose($"re-executions {r.Reexecutions}, validation failures {r.ValidationFailures}, sequential fallbacks {r.SequentialFallbacks}");
        CliConsole.Prose(ChainCli.CollectorLine(r.BlocksCollector, r.BlocksElapsed));
        CliConsole.Prose($"final state root {r.FinalRoot}");
        if (options.Verify)
            CliConsole.Prose(r.Mismatch is null
                ? $"verified {r.VerifiedBlocks} of {r.Blocks} blocks" + (r.UnrecordedBlocks > 0 ? $" ({r.UnrecordedBlocks} without a recorded root)" : "")
                : $"verification FAILED at block {r.Mismatch.BlockNumber}");
    }
}
