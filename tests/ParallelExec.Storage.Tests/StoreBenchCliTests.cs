using System.Text.Json;
using ParallelExec.Testing;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <c>parallelexec bench --store memory|rocksdb</c> through the built CLI: every executor's final root
/// is the root of the same generated chain computed here without any store, the temporary databases
/// are gone afterwards, and misuse of the options is a one-line error.
/// </summary>
public class StoreBenchCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests (src/ParallelExec.Cli/bin/<configuration>/net10.0)");
        return CliProcess.Run(cli!, args);
    }

    [Theory]
    [InlineData("memory", 2)]
    [InlineData("rocksdb", 1)]
    public void Every_executor_reaches_the_root_of_the_generated_chain(string store, int nodeInterval)
    {
        const int accounts = 300, txs = 80, blocks = 3;
        const ulong seed = 5;
        var expected = ReferenceRoots(WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = WorkloadKind.Mixed, Accounts = accounts, TransactionsPerBlock = txs, Blocks = blocks, Seed = seed,
        }))[^1];
        using var dir = new TempDir();
        var args = new List<string>
        {
            "bench", "--store", store, "--workload", "mixed", "--accounts", $"{accounts}", "--txs", $"{txs}", "--blocks", $"{blocks}",
            "--seed", $"{seed}", "--work", "0", "--workers", "1,3", "--runs", "1", "--json", "--trie-node-interval", $"{nodeInterval}",
        };
        if (store == "rocksdb") args.AddRange(["--db", dir.Path]);

        var (code, stdout, stderr) = Run([.. args]);

        Assert.True(code == 0, stderr);
        var runs = JsonDocument.Parse(stdout).RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["sequential/1", "parallel/1", "parallel/3"], runs.Select(r => $"{r.GetProperty("executor").GetString()}/{r.GetProperty("workers").GetInt32()}"));
        foreach (var run in runs)
        {
            Assert.Equal(expected.ToString(), run.GetProperty("stateRoot").GetString());
            Assert.Equal(store, run.GetProperty("store").GetString());
            Assert.Equal(txs * blocks, run.GetProperty("txs").GetInt64());
            Assert.True(run.GetProperty("tps").GetDouble() > 0);
            Assert.True(run.GetProperty("trieNodes").GetInt64() > 0, "a checkpoint fell in the timed blocks, yet no trie node was written");
        }
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path)); // every temporary database was deleted
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("rocksdb")]
    public void With_access_lists_the_runs_with_a_list_reach_the_same_root_with_it_hashed_beside_execution(string store)
    {
        // The runner fails a run whose blocks left the list's path or whose root beside execution did not stand.
        using var dir = new TempDir();
        var args = new List<string>
        {
            "bench", "--store", store, "--workload", "token", "--accounts", "200", "--txs", "60", "--blocks", "3",
            "--seed", "4", "--work", "0", "--workers", "1,2", "--runs", "1", "--json", "--bal",
        };
        if (store == "rocksdb") args.AddRange(["--db", dir.Path]);

        var (code, stdout, stderr) = Run([.. args]);

        Assert.True(code == 0, stderr);
        var runs = JsonDocument.Parse(stdout).RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["sequential/1", "parallel/1", "parallel/2", "parallel+bal/2", "parallel+bal, root after/2"],
            runs.Select(r => $"{r.GetProperty("executor").GetString()}/{r.GetProperty("workers").GetInt32()}"));
        Assert.Single(runs.Select(r => r.GetProperty("stateRoot").GetString()).Distinct());
        Assert.All(runs, r => Assert.True(r.GetProperty("tps").GetDouble() > 0));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("--store", "memory", "--db", "x")]
    [InlineData("--sweep", "--store", "rocksdb")]
    [InlineData("--db", "x")]
    [InlineData("--trie-node-interval", "4")]
    [InlineData("--store", "memory", "--trie-node-interval", "0")]
    public void Options_that_do_not_go_together_are_a_one_line_error(params string[] options)
    {
        var (code, _, stderr) = Run(["bench", .. options]);

        Assert.Equal(1, code);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("parallelexec bench: ", stderr);
    }

    [Fact]
    public void A_database_folder_that_is_a_file_is_a_one_line_error()
    {
        using var dir = new TempDir();
        var file = dir.Sub("a-file");
        File.WriteAllText(file, "not a folder");

        var (code, _, stderr) = Run("bench", "--store", "rocksdb", "--db", file, "--workload", "p2p", "--accounts", "20", "--txs", "5", "--blocks", "1", "--runs", "1");

        Assert.Equal(1, code);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Equal($"parallelexec bench: --db {file}: is a file, not a folder to create the temporary databases in", stderr.TrimEnd());
        Assert.Equal("not a folder", File.ReadAllText(file));
    }
}
