using ParallelExec.Testing;
using System.Diagnostics;
using ParallelExec.Blocks;
using ParallelExec.Workloads;
using Xunit.Abstractions;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// Kills the built CLI (<c>parallelexec replay --db</c>) with SIGKILL at seeded random moments while it
/// commits blocks, and checks after every kill that the database is at a committed block whose root is
/// that block's reference root, that it never goes backwards, and that resuming reaches the same final
/// root. What is asserted does not depend on where the kills land.
/// </summary>
public class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Blocks = 160;
    private const int Kills = 14;

    private static Process StartReplay(string cli, string chain, string db)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { cli, "replay", chain, "--db", db, "--workers", "2", "--journal", "16", "--json" }) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// The moment a kill cannot be aimed at: RocksDB has written CURRENT (its default family only) and
    /// none of the store's column families exists yet. Made deterministically by creating such a bare
    /// database; a rerun of the CLI must take it over and replay the whole chain.
    /// </summary>
    [Fact]
    public void A_replay_killed_after_CURRENT_and_before_the_column_families_is_resumed_by_a_rerun()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests (src/ParallelExec.Cli/bin/<configuration>/net10.0)");
        var workload = Workload(blocks: 6, txs: 40, seed: 78, accounts: 100);
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        ChainWriter.Write(chain, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
        var db = dir.Sub("db");
        using (RocksDbSharp.RocksDb.Open(new RocksDbSharp.DbOptions().SetCreateIfMissing(true), db, new RocksDbSharp.ColumnFamilies()))
        {
        }
        Assert.True(File.Exists(Path.Combine(db, "CURRENT")));

        using (var process = StartReplay(cli!, chain, db))
        {
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
        }
        using var store = OpenRocks(db, retention: 16, create: false);
        Assert.Equal(workload.Blocks.Length, store.Head.Number);
        Assert.Equal(ReferenceRoots(workload)[^1], store.Head.StateRoot);
    }

    [Fact]
    public void Killed_replays_always_leave_a_committed_block_and_resuming_reaches_the_same_root()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests (src/ParallelExec.Cli/bin/<configuration>/net10.0)");
        var workload = Workload(blocks: Blocks, txs: 120, seed: 77, accounts: 400);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        ChainWriter.Write(chain, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
        var db = dir.Sub("db");

        var random = new Random(2024);
        long lastHead = -1;
        var heads = new List<long>();
        for (int kill = 0; kill < Kills; kill++)
        {
            using (var process = StartReplay(cli!, chain, db))
            {
                // Early kills land in start-up and genesis creation, later ones among the commits.
                int delay = kill < 3 ? random.Next(50, 400) : random.Next(300, 1200);
                if (!process.WaitForExit(delay))
                {
                    process.Kill(entireProcessTree: true);
                }
                process.WaitForExit();
            }
            if (!File.Exists(Path.Combine(db, "CURRENT"))) continue; // killed before the database existed
            using var store = OpenRocks(db, retention: 16, create: true);
            if (!store.IsInitialized)
            {
                Assert.Equal(-1, lastHead); // a chain that was committed never disappears
                heads.Add(-1);
                continue;
            }
            var head = store.Head;
            Assert.InRange(head.Number, 0, Blocks);
            Assert.True(head.Number >= lastHead, $"the head went back from block {lastHead} to block {head.Number}");
            Assert.Equal(expected[head.Number], head.StateRoot);
            Assert.True(store.TryGetBlock(head.Number, out var record));
            Assert.Equal(head, record);
            ChainState.Open(store); // the flat state hashes to the recorded root
            lastHead = head.Number;
            heads.Add(head.Number);
        }
        output.WriteLine($"heads after each kill: {string.Join(", ", heads)}");

        using (var process = StartReplay(cli!, chain, db))
        {
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
        }
        using (var store = OpenRocks(db, retention: 16, create: false))
        {
            Assert.Equal(Blocks, store.Head.Number);
            Assert.Equal(expected[Blocks], store.Head.StateRoot);
            Assert.Equal(expected[Blocks], ChainState.Open(store).Head.StateRoot);
        }
    }
}
