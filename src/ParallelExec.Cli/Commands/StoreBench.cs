using System.Text.Json;
using ParallelExec.Cli.Benchmarking;
using ParallelExec.Storage;
using Spectre.Console;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec bench --store memory|rocksdb</c>: end-to-end throughput (execute, root, commit) per executor.</summary>
internal static class StoreBench
{
    public static int Run(BenchSettings settings, StoreKind store, ChainStateOptions stateOptions, string? parentFolder, bool json)
    {
        var machine = MachineInfo.Current();
        var runner = new StoreBenchRunner(settings, store, stateOptions, parentFolder);
        var rows = new List<StoreBenchRow>();
        try
        {
            if (json) rows.AddRange(runner.Run());
            else AnsiConsole.Status().Start("benchmarking", ctx => rows.AddRange(runner.Run(p => ctx.Status(p))));
        }
        catch (BenchRunner.MismatchException e)
        {
            Console.Error.WriteLine($"bench: RESULT MISMATCH: {e.Message}");
            return 2;
        }
        catch (StateStoreException e)
        {
            Console.Error.WriteLine($"bench: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"bench: cannot create the temporary databases in {parentFolder ?? Path.GetTempPath()}: {e.Message}");
            return 1;
        }

        string storeName = store == StoreKind.RocksDb ? "rocksdb" : "memory";
        if (json)
        {
            var document = new
            {
                machine = machine.ToJson(),
                settings = settings.ToJson(withAccounts: true),
                store = storeName,
                trieNodeInterval = stateOptions.TrieNodeInterval,
                runs = rows.Select(r => new
                {
                    workload = r.Workload, store = storeName, executor = r.Executor, workers = r.Workers, txs = r.Txs, blocks = r.Blocks,
                    tps = Math.Round(r.Tps), speedup = Math.Round(r.Speedup, 3), cpuUsPerTx = Math.Round(r.CpuMicrosecondsPerTx, 2),
                    executeMs = Math.Round(r.ExecuteMs, 1), rootMs = Math.Round(r.RootMs, 1), commitMs = Math.Round(r.CommitMs, 1),
                    waitingMs = Math.Round(r.WaitingMs, 1), reexecutions = r.Reexecutions, trieNodes = r.TrieNodes, stateRoot = r.StateRoot,
                }),
            };
            Console.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        var table = new Table().Title($"end to end on {storeName}: execute, root, commit (median of runs)")
            .AddColumns("workload", "executor", "workers", "tx/s", "speed-up", "CPU µs/tx", "execute ms", "root ms", "commit ms", "waited ms", "nodes written", "re-executions");
        foreach (var r in rows)
        {
            table.AddRow(r.Workload, r.Executor, r.Workers.ToString(), r.Tps.ToString("N0"), $"{r.Speedup:F2}x", r.CpuMicrosecondsPerTx.ToString("F1"),
                r.ExecuteMs.ToString("N0"), r.RootMs.ToString("N0"), r.CommitMs.ToString("N0"), r.WaitingMs.ToString("N0"), r.TrieNodes.ToString("N0"), r.Reexecutions.ToString("N0"));
        }
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 170); // files and pipes: no wrapping
        AnsiConsole.Write(table);
        Console.WriteLine($"machine: {machine}");
        Console.WriteLine($"{settings.Chain.Accounts} accounts, {settings.Describe()}; a fresh {storeName} store per run, genesis written before the clock starts; " +
                          $"trie nodes written at checkpoints, every {stateOptions.TrieNodeInterval} blocks (\"nodes written\": during the timed blocks); " +
                          "block N+1 executes while N is hashed and N-1 committed, so the stage times overlap and add up to more than the wall time; " +
                          "\"CPU\": the whole process (every stage, the store's own threads); \"waited\": execution waiting for the other stages; " +
                          "every block's state root matched sequential's");
        return 0;
    }
}
