using ParallelExec.Blocks;
using ParallelExec.State;
using ParallelExec.Testing;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <c>parallelexec replay --db</c> never commits a block whose recorded root differs: with a rewritten
/// root in block 3 (checksums fixed, so only verification sees it) and no option asking for
/// verification, the database stops at block 2 and the replay fails (exit 2); <c>--no-verify</c> cannot
/// be combined with <c>--db</c>.
/// </summary>
public class ReplayVerificationIntoDatabaseTests
{
    [Fact]
    public void A_block_whose_recorded_root_differs_is_never_committed()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var workload = Workload(blocks: 4, txs: 30, seed: 12, accounts: 60);
        var expected = ReferenceRoots(workload);
        var forged = new Hash256(Enumerable.Repeat((byte)0x5A, 32).ToArray());
        ChainWriter.Write(chain, ChainStart.FromGenesis(workload.Genesis),
            workload.Blocks.Select((b, i) => new ChainBlock(b, b.Header.Number == 3 ? forged : expected[b.Header.Number])));
        var db = dir.Sub("db");

        var (code, _, stderr) = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", db, "--json");

        Assert.Equal(2, code);
        Assert.Contains("not committed; the database stays at block 2", stderr);
        using (var store = OpenRocks(db, create: false))
        {
            Assert.Equal(2, store.Head.Number);
            Assert.Equal(expected[2], store.Head.StateRoot);
        }

        var skip = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", db, "--no-verify");
        Assert.Equal(1, skip.Code);
        Assert.StartsWith("parallelexec replay: --no-verify cannot be combined with --db", skip.Err);
        using var unchanged = OpenRocks(db, create: false);
        Assert.Equal(2, unchanged.Head.Number);
    }

    [Fact]
    public void A_file_whose_genesis_is_damaged_is_refused_before_a_database_is_made()
    {
        // The look at the first block steps over the genesis unchecked; the replay's own open checks it
        // before the database folder is created.
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var workload = Workload(blocks: 2, txs: 20, seed: 23, accounts: 40);
        ChainWriter.Write(chain, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
        var bytes = File.ReadAllBytes(chain);
        bytes[ChainFormat.FileHeaderSize + 8 + 5] ^= 0x01; // a byte of the first genesis entry's address
        File.WriteAllBytes(chain, bytes);

        var refused = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", dir.Sub("db"));
        Assert.Equal(1, refused.Code);
        Assert.Contains("starting-state checksum mismatch", refused.Err);
        Assert.Single(refused.Err.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir.Sub("db")), "a replay of a damaged file made a database");
    }

    [Fact]
    public void With_bal_every_block_runs_with_its_recorded_list_and_a_file_without_lists_is_refused()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var workload = Workload(blocks: 4, txs: 40, seed: 21, accounts: 60);
        var expected = ReferenceRoots(workload);
        ChainWriter.Write(chain, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));

        var refused = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", dir.Sub("refused"), "--bal");
        Assert.Equal(ReplayCommandExit.Unrecorded, refused.Code);
        Assert.Equal($"parallelexec replay: --bal: {chain} has no recorded access lists (parallelexec record adds them)", refused.Err.Trim());
        Assert.False(Directory.Exists(dir.Sub("refused")) && Directory.EnumerateFileSystemEntries(dir.Sub("refused")).Any(), "a refused replay wrote a database");

        var record = CliProcess.Run(CliProcess.Built(), "record", chain);
        Assert.True(record.Code == 0, record.Err);
        var db = dir.Sub("db");
        var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", db, "--bal", "--workers", "2", "--json");

        Assert.True(code == 0, stderr);
        var report = System.Text.Json.JsonDocument.Parse(stdout).RootElement;
        Assert.True(report.GetProperty("accessLists").GetBoolean());
        Assert.Equal(4, report.GetProperty("verifiedBlocks").GetInt64());
        Assert.Equal(4, report.GetProperty("listRoots").GetInt64()); // each root hashed from its list beside execution stood
        Assert.All(report.GetProperty("perBlock").EnumerateArray(), b => Assert.Equal("used", b.GetProperty("listRoot").GetString()));
        Assert.Equal(expected[4].ToString(), report.GetProperty("finalRoot").GetString());
        using var store = OpenRocks(db, create: false);
        Assert.Equal(expected[4], store.Head.StateRoot);
    }

    /// <summary>The replay's exit code for a file without the recorded data an option asks for.</summary>
    private static class ReplayCommandExit
    {
        public const int Unrecorded = 3;
    }
}
