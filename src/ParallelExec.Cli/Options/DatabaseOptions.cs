using System.CommandLine;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;

namespace ParallelExec.Cli.Options;

/// <summary>
/// Options of the commands that execute into a RocksDB state database (<c>--db</c>): the
/// trie's memory (<c>--cache-mb</c>) and RocksDB's block cache (<c>--db-cache-mb</c>), with the same
/// names, texts and defaults in each, and the check that options meant for a database come with <c>--db</c>.
/// </summary>
internal static class DatabaseOptions
{
    /// <summary><c>--cache-mb</c>: memory for the state trie's clean nodes (and an eighth more for the account records), in MiB; 0: no limit.</summary>
    public static Option<int> TrieCacheMb() => NumberOption.Int("--cache-mb",
        "With --db: memory for the state trie's clean nodes, the garbage collector's headroom over them included, in MiB (past it they are dropped and read again from the database when needed); the account records get up to an eighth more, kept in memory when all of them fit in it; 0: no limit",
        (int)(ChainStateOptions.DefaultTrieCacheBytes >> 20), 0);

    /// <summary><c>--db-cache-mb</c>: RocksDB's block cache, in MiB.</summary>
    public static Option<int> BlockCacheMb() => NumberOption.Int("--db-cache-mb",
        "With --db: RocksDB's block cache (flat state and trie nodes read from disk), in MiB",
        (int)(RocksDbStoreOptions.Default.BlockCacheBytes >> 20), 8);

    /// <summary>The full path of an existing database folder given as <c>--db</c>; a one-line error when it is a file or missing.</summary>
    public static string ExistingFolder(DirectoryInfo db)
    {
        var path = db.FullName;
        if (File.Exists(path)) throw new ArgumentException($"--db {path}: is a file, not a database folder");
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"--db {path}: no such database folder");
        return path;
    }

    /// <summary>A one-line error when one of <paramref name="dbOnly"/> was given without <c>--db</c>.</summary>
    public static void RequireDb(ParseResult parse, string? dbPath, params Option[] dbOnly)
    {
        if (dbPath is not null) return;
        foreach (var option in dbOnly)
            if (parse.GetResult(option) is { Implicit: false }) throw new ArgumentException($"{option.Name} needs --db");
    }
}
