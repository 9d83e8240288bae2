using ParallelExec.Blocks;
using ParallelExec.Testing;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// Ctrl-C (SIGINT) on the CLI's database commands, through a real process signalled once it reports
/// progress: <c>replay --db</c> stops after a committed block and names it (the database's head is that
/// block), or within its genesis's import, which a rerun starts over; <c>bench --store rocksdb</c>
/// deletes its temporary database; all exit 130.
/// </summary>
public class CliInterruptionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    // One block after two million genesis entries: the genesis is nearly all of the file, so its import
    // runs for seconds after its first progress line (at 65,536), on any machine.
    private static void GenerateLargeGenesis(string chain)
    {
        var gen = CliProcess.Run(CliProcess.Built(), "gen", "--accounts", "1000000", "--txs", "10", "--blocks", "1", "-o", chain);
        Assert.True(gen.Code == 0, gen.Err);
    }

    [Fact]
    public void An_interrupted_replay_into_a_database_names_its_committed_head()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var db = dir.Sub("db");
        var gen = CliProcess.Run(CliProcess.Built(), "gen", "--accounts", "200", "--txs", "100", "--blocks", "2000", "--work", "100", "-o", chain);
        Assert.True(gen.Code == 0, gen.Err);

        using (var replay = CliProcess.Start(CliProcess.Built(), "replay", chain, "--db", db, "--workers", "2"))
        {
            // Past the genesis's import (its share of the file, here under one percent, is reported as 0 %): blocks are committed.
            Assert.True(replay.WaitForErrorLine("replaying: 1%"), "the replay ended before reporting progress");
            replay.Interrupt();
            var (code, _, stderr) = replay.WaitForExit(Limit);

            Assert.Equal(130, code);
            var match = System.Text.RegularExpressions.Regex.Match(CliProcess.LastLine(stderr), @"^parallelexec replay: stopped after block (\d+) \(committed head (\d+)\)$");
            Assert.True(match.Success, stderr);
            Assert.Equal(match.Groups[1].Value, match.Groups[2].Value);
            using var store = OpenRocks(db, create: false);
            Assert.Equal(long.Parse(match.Groups[2].Value), store.Head.Number);
            Assert.InRange(store.Head.Number, 1, 1999);
        }

        // The rest of the chain resumes after that head.
        var rest = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", db, "--workers", "2", "--json");
        Assert.True(rest.Code == 0, rest.Err);
        using var done = OpenRocks(db, create: false);
        Assert.Equal(2000, done.Head.Number);
    }

    [Fact]
    public void A_replay_interrupted_while_importing_its_genesis_says_so_and_a_rerun_starts_the_import_over()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var db = dir.Sub("db");
        GenerateLargeGenesis(chain);

        using (var replay = CliProcess.Start(CliProcess.Built(), "replay", chain, "--db", db))
        {
            Assert.True(replay.WaitForErrorLine("replaying: "), "the replay ended before reporting progress");
            replay.Interrupt();
            var (code, _, stderr) = replay.WaitForExit(Limit);

            Assert.Equal(130, code);
            Assert.Equal($"parallelexec replay: stopped while creating {db} from the chain file's genesis (nothing committed: a rerun starts the import over)",
                CliProcess.LastLine(stderr));
            Assert.False(Directory.Exists(Path.Combine(db, "genesis-import")), "the import's scratch folder was left");
        }

        var rerun = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", db);
        Assert.True(rerun.Code == 0, rerun.Err);
        using var store = OpenRocks(db, create: false);
        Assert.Equal(1, store.Head.Number);
    }

    [Fact]
    public void A_record_into_a_database_interrupted_before_the_genesis_is_in_says_the_database_holds_nothing_yet()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var db = dir.Sub("db");
        GenerateLargeGenesis(chain);
        var before = File.ReadAllBytes(chain);

        using var record = CliProcess.Start(CliProcess.Built(), "record", chain, "--db", db);
        Assert.True(record.WaitForErrorLine("recording: "), "the record ended before reporting progress");
        record.Interrupt();
        var (code, _, stderr) = record.WaitForExit(Limit);

        Assert.Equal(130, code);
        Assert.Equal($"parallelexec record: stopped before the end; {chain} is unchanged; {db} holds no committed state yet (delete it before recording again)",
            CliProcess.LastLine(stderr));
        Assert.Equal(before, File.ReadAllBytes(chain));
        // Stopped in the genesis's copy (an empty database) or in its import (an interrupted one).
        try
        {
            using var store = OpenRocks(db, create: false);
            Assert.False(store.IsInitialized);
        }
        catch (StateStoreException e)
        {
            Assert.Contains("its initialisation was interrupted", e.Message);
        }
    }

    [Fact]
    public void An_interrupted_store_bench_deletes_its_temporary_database()
    {
        using var dir = new TempDir();
        // Far more runs than the interrupt takes to come: a loaded CI machine delivered the progress
        // line late once, after the bench had ended on its own (the signal found no process).
        using var bench = CliProcess.Start(CliProcess.Built(), "bench", "--store", "rocksdb", "--db", dir.Path, "--workload", "p2p", "--accounts", "200",
            "--txs", "200", "--blocks", "30", "--work", "100", "--workers", "2", "--runs", "1000");
        Assert.True(bench.WaitForErrorLine("warming up"), "bench ended before reporting progress");
        bench.Interrupt();
        var (code, stdout, stderr) = bench.WaitForExit(Limit);

        Assert.Equal(130, code);
        Assert.Equal("parallelexec bench: stopped before the end, no results; its temporary databases were deleted", CliProcess.LastLine(stderr));
        Assert.Equal("", stdout);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_missing_database_folder_is_an_error_and_is_not_created()
    {
        using var dir = new TempDir();
        var missing = dir.Sub("missing/x");
        var (code, _, stderr) = CliProcess.Run(CliProcess.Built(), "bench", "--store", "rocksdb", "--db", missing, "--workload", "p2p", "--accounts", "20",
            "--txs", "5", "--blocks", "1", "--runs", "1");

        Assert.Equal(1, code);
        Assert.Equal($"parallelexec bench: --db {missing}: no such folder (bench creates its temporary databases in an existing folder)", stderr.TrimEnd());
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
