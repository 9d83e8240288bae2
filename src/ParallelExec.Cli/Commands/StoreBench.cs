using System.Text.Json;
using ParallelExec.Cli.Benchmarking;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Storage;
using Spectre.Console;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec bench --store memory|rocksdb</c>: end-to-end throughput (execute, root, commit) per executor.</summary>
internal static class StoreBench
{
    /// <summary>
    /// Memory of a store bench: the generated genesis and transactions, the chain state (flat state and
    /// trie) of one run at a time, each executor's working set sized to a block.
    /// </summary>
    public static MemoryBudget.Estimate Estimate(BenchSettings settings)
    {
        int entries = MemoryBudget.EntriesPerAccount(settings.Chain, settings.Workloads);
        int executors = 1 + settings.Workers.Count + (settings.AccessLists ? 2 * settings.Workers.Count(w => w > 1) : 0);
        return (accounts, txs, blocks) =>
            accounts * entries * (MemoryBudget.BytesPerStateEntry + MemoryBudget.ChainBytesPerStateEntry)
            + txs * blocks * (MemoryBudget.BytesPerTransaction + MemoryBudget.ChainBytesPerStateEntry) // each block's changes, kept by the in-memory store
            + txs * executors * MemoryBudget.ExecutorBytesPerBlockTransaction;
    }

    public static int Run(BenchSettings settings, StoreKind store, ChainStateOptions stateOptions, string? parentFolder, bool json,
        CancellationToken cancellationToken)
    {
        var machine = MachineInfo.Current();
        var runner = new StoreBenchRunner(settings, store, stateOptions, parentFolder);
        List<StoreBenchRow> rows;
        try
        {
            rows = CliProgress.Status("benchmarking", progress => runner.Run(progress, cancellationToken).ToList());
        }
        catch (StateStoreException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the temporary databases in {parentFolder ?? Path.GetTempPath()}: {e.Message}", e);
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

        var table = CliTable.Create($"end to end on {storeName}: execute, root, commit (median of runs)",
            ("workload", false), ("executor", false), ("tx/s", true), ("speed-up", true), ("CPU µs/tx", true), ("re-runs", true));
        var stages = CliTable.Create("time per stage, ms (overlapping)",
            ("workload", false), ("executor", false), ("execute", true), ("root", true), ("commit", true), ("waited", true), ("nodes written", true));
        foreach (var r in rows)
        {
            string executor = r.Executor == "sequential" ? r.Executor : $"{r.Workers} worker{(r.Workers == 1 ? "" : "s")}" + r.Executor switch
            {
                StoreBenchRunner.ListedName => " +bal",
                StoreBenchRunner.ListedRootAfterName => " +bal, root after",
                _ => "",
            };
            table.AddRow(r.Workload, executor, r.Tps.ToString("N0"), $"{r.Speedup:F2}x", r.CpuMicrosecondsPerTx.ToString("F1"), r.Reexecutions.ToString("N0"));
            stages.AddRow(r.Workload, executor, r.ExecuteMs.ToString("N0"), r.RootMs.ToString("N0"), r.CommitMs.ToString("N0"), r.WaitingMs.ToString("N0"),
                r.TrieNodes.ToString("N0"));
        }
        CliConsole.Out.Write(table);
        CliConsole.Out.Write(stages);
        CliConsole.Prose($"machine: {machine}");
        CliConsole.Prose($"{settings.Chain.Accounts:N0} accounts, {settings.Describe()}; a fresh {storeName} store per run, genesis written before the clock starts; " +
                          $"trie nodes written at checkpoints, every {stateOptions.TrieNodeInterval} blocks (\"nodes written\": during the timed blocks); " +
                          "block N+1 executes while N is hashed and N-1 committed, so the stage times overlap and add up to more than the wall time; " +
                          "\"CPU\": the whole process (every stage, the store's own threads); \"waited\": execution waiting for the other stages; " +
                          "every block's state root matched sequential's" +
                          (settings.AccessLists
                              ? "; +bal: every block ran with its recorded access list (handed over as RLP with its hash), its root hashed from the list while it executed " +
                                "and checked against its changes after (\"root after\": computed after execution, as without a list)"
                              : ""));
        return 0;
    }
}
