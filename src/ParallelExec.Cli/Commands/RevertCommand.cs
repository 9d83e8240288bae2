using System.CommandLine;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec revert --db DIR --blocks K</c>: undoes the last K committed blocks of a state database.</summary>
public static class RevertCommand
{
    public static Command Create()
    {
        var db = new Option<DirectoryInfo>("--db") { Description = "The RocksDB state database", Required = true };
        var blocks = NumberOption.Int("--blocks", "How many of the last committed blocks to undo", 1, 1);
        var command = new Command("revert", "Undo the last K committed blocks of a state database (from its undo journal) and check the earlier root");
        command.Options.Add(db);
        command.Options.Add(blocks);
        command.SetGuardedAction(parse =>
        {
            int k = parse.GetValue(blocks);
            var path = DatabaseOptions.ExistingFolder(parse.GetValue(db)!);
            using var store = RocksDbStateStore.Open(path, new RocksDbStoreOptions { JournalRetention = int.MaxValue });
            var before = store.Head;
            var chain = ChainState.Open(store);
            var head = chain.Revert(k);
            CliConsole.Prose($"reverted {k} blocks: block {before.Number} -> block {head.Number}, state root {head.StateRoot} (verified)");
            return 0;
        });
        return command;
    }
}
