using System.CommandLine;
using ParallelExec.Cli.Chains;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec revert --db DIR --blocks K</c>: undoes the last K committed blocks of a state database.</summary>
public static class RevertCommand
{
    public static Command Create()
    {
        var db = new Option<DirectoryInfo>("--db") { Description = "The RocksDB state database", Required = true };
        var blocks = new Option<int>("--blocks") { Description = "How many of the last committed blocks to undo", DefaultValueFactory = _ => 1 };
        var command = new Command("revert", "Undo the last K committed blocks of a state database (from its undo journal) and check the earlier root");
        command.Options.Add(db);
        command.Options.Add(blocks);
        command.SetAction(parse => ChainCli.Guard("revert", () =>
        {
            int k = parse.GetValue(blocks);
            if (k < 1) throw new ArgumentException($"--blocks must be 1 or more, got {k}");
            var path = parse.GetValue(db)!.FullName;
            using var store = RocksDbStateStore.Open(path, new RocksDbStoreOptions { JournalRetention = int.MaxValue });
            var before = store.Head;
            var chain = ChainState.Open(store);
            var head = chain.Revert(k);
            Console.WriteLine($"reverted {k} blocks: block {before.Number} -> block {head.Number}, state root {head.StateRoot} (verified)");
            return 0;
        }));
        return command;
    }
}
