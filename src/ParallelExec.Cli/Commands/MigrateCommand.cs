using System.CommandLine;
using System.Diagnostics;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec migrate --db DIR</c>: brings a state database of an older format to this build's.
/// Format 1 kept every trie node ever written, by hash: its node family is dropped, the trie is rebuilt
/// from the flat state and its nodes are written by place. The chain (state, blocks, journal) is kept.
/// </summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var db = new Option<DirectoryInfo>("--db") { Description = "The RocksDB state database", Required = true };
        var command = new Command("migrate", "Bring a state database of an older format to this build's (keeps the chain; format 1: rebuilds the trie's nodes; format 2: joins each account's fields into one record)");
        command.Options.Add(db);
        command.SetGuardedAction(parse =>
        {
            var path = DatabaseOptions.ExistingFolder(parse.GetValue(db)!);
            var started = Stopwatch.GetTimestamp();
            using var store = RocksDbStateStore.Open(path, new RocksDbStoreOptions { JournalRetention = int.MaxValue, MigrateOlderFormats = true });
            // Already this build's format, with a stored trie (of the head or of a checkpoint before it):
            // a format-1 migration that stopped before its trie was rebuilt has none.
            if (store.MigratedFromFormat == 0 && store.TrieNodesAt is not null)
            {
                CliConsole.Prose($"{path}: already in this build's format (block {store.Head.Number}); nothing to do");
                return 0;
            }
            // Format 1: rebuilds the trie from the flat state, checks the head's root and writes its nodes.
            // Format 2: opens the stored trie, the keys changed since its checkpoint read from the joined records.
            var chain = ChainState.Open(store);
            var what = chain.OpenRebuiltTrie ? $"state root {store.Head.StateRoot} (verified), {store.CountTrieNodes():N0} trie nodes written"
                : $"state root {store.Head.StateRoot}, accounts joined into one record each";
            CliConsole.Prose($"migrated {path} from format {store.MigratedFromFormat}: block {store.Head.Number}, {what}, {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }
}
