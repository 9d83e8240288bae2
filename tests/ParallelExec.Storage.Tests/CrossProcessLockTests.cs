using System.Diagnostics;
using ParallelExec.Blocks;
using ParallelExec.Testing;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A database that another process is writing (the CLI's <c>replay --db</c>) cannot be opened a
/// second time, neither by the library nor by a second CLI: a one-line "in use" error, nothing
/// written by the second opener, and the first process's chain intact afterwards.
/// </summary>
public class CrossProcessLockTests
{
    private static Process Start(string cli, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(cli);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    private static bool Created(string db)
    {
        if (!File.Exists(Path.Combine(db, "CURRENT"))) return false;
        try
        {
            // Listing does not take the LOCK.
            return RocksDbSharp.RocksDb.TryListColumnFamilies(new RocksDbSharp.DbOptions(), db, out var names) && names.Contains("meta");
        }
        catch (RocksDbSharp.RocksDbException)
        {
            return false; // CURRENT is being written
        }
    }

    [Fact]
    public void A_database_written_by_another_process_is_refused_as_locked()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests (src/ParallelExec.Cli/bin/<configuration>/net10.0)");
        var workload = Workload(blocks: 600, txs: 120, seed: 91, accounts: 400);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        ChainWriter.Write(chain, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
        var db = dir.Sub("db");

        using var writer = Start(cli!, "replay", chain, "--db", db, "--workers", "2", "--json");
        writer.OutputDataReceived += (_, _) => { };
        writer.ErrorDataReceived += (_, _) => { };
        writer.BeginOutputReadLine();
        writer.BeginErrorReadLine();
        try
        {
            // Wait until the writer has created the database with all its column families (during
            // the first milliseconds of a creation the folder shows RocksDB files without them), then
            // opening must fail as Locked. Never create it from here.
            // The loop ends when the lock is seen or the writer exits (it replays a finite chain).
            StateStoreException? locked = null;
            while (locked is null)
            {
                Assert.False(writer.HasExited, "the replay finished before the lock could be observed: make the chain longer");
                if (!Created(db))
                {
                    writer.WaitForExit(20); // poll: returns early if the writer ends
                    continue;
                }
                try
                {
                    using var store = OpenRocks(db, create: false);
                    Assert.Fail("the database opened while another process was writing it");
                }
                catch (StateStoreException e) when (e.Error == StateStoreError.Locked)
                {
                    locked = e;
                }
            }
            Assert.Contains("in use by another process", locked.Message);
            Assert.DoesNotContain('\n', locked.Message);

            // A second CLI on the same database: non-zero exit, one line that says why.
            using var second = Start(cli!, "replay", chain, "--db", db);
            string stderr = second.StandardError.ReadToEnd();
            second.StandardOutput.ReadToEnd();
            second.WaitForExit();
            if (!writer.HasExited)
            {
                Assert.NotEqual(0, second.ExitCode);
                Assert.Contains("in use by another process", stderr);
                Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        finally
        {
            if (!writer.HasExited) writer.Kill(entireProcessTree: true);
            writer.WaitForExit();
        }

        // The writer's chain survived both attempts (and the kill): a committed block with its root.
        using var reopened = OpenRocks(db, create: false);
        Assert.InRange(reopened.Head.Number, 0, 600);
        Assert.Equal(expected[reopened.Head.Number], reopened.Head.StateRoot);
        ChainState.Open(reopened);
    }
}
