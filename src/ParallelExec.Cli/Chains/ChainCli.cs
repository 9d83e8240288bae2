using System.Runtime;
using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Metrics;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Trie;

namespace ParallelExec.Cli.Chains;

/// <summary>Shared plumbing of the chain commands: chain files named in every error, JSON output, times.</summary>
internal static class ChainCli
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// Runs <paramref name="body"/> over the chain file <paramref name="path"/>: a missing file, a folder
    /// or a problem in the file (<see cref="ChainFormatException"/>) becomes an error naming the file.
    /// </summary>
    public static T OnChainFile<T>(string path, Func<T> body)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{path}: is a folder, not a chain file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such chain file", path);
        try
        {
            return body();
        }
        catch (ChainFormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks that a file can be written at <paramref name="path"/> (its folder exists, it is not a folder)
    /// and does not exist unless <paramref name="overwrite"/>.
    /// </summary>
    public static void CheckOutputFile(string path, bool overwrite, string forceOption)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{path}: is a folder, not a file to write");
        var folder = Path.GetDirectoryName(path);
        if (folder is not null && !Directory.Exists(folder)) throw new DirectoryNotFoundException($"{path}: cannot write, the folder {folder} does not exist");
        if (!overwrite && File.Exists(path)) throw new IOException($"{path}: exists already; {forceOption} overwrites it");
    }

    /// <summary>A temporary file next to <paramref name="path"/> (same folder, so the rename over it is atomic).</summary>
    public static string TemporaryNextTo(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/> into a temporary file next to it, renamed over it only once complete.</summary>
    public static void WriteAtomically(string path, Action<string> write)
    {
        var temp = TemporaryNextTo(path);
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="witness"/>'s file to <paramref name="path"/> as <see cref="WriteAtomically"/> does, streamed; returns its size.</summary>
    public static long WriteWitness(string path, ExecutionWitness witness)
    {
        long size = 0;
        WriteAtomically(path, temporary =>
        {
            using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            WitnessCodec.Write(file, witness); // writes in chunks of its own: no second buffer
            size = file.Length;
        });
        return size;
    }

    /// <summary>The Ethereum state root of a chain's embedded genesis, hashed on every core.</summary>
    public static Hash256 GenesisRoot(InMemoryState genesis) =>
        StateTrie.FromState(genesis.Entries, Environment.ProcessorCount).ComputeRoot(Environment.ProcessorCount);

    public static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F1} ms";

    /// <summary>The collector's work over the blocks, for a report's JSON, with the collector that did it.</summary>
    public static object CollectorJson(CollectorActivity c) =>
        new { kind = CollectorKind, gen0 = c.Gen0, gen1 = c.Gen1, gen2 = c.Gen2, pauseMs = Math.Round(c.Pause.TotalMilliseconds, 3) };

    /// <summary>
    /// The collector this process runs: "server" (the CLI's configuration: a heap per core at most,
    /// collected on as many threads) or "workstation" (one thread collects while the others wait), as
    /// a runtime setting such as <c>DOTNET_gcServer=0</c> may choose instead.
    /// </summary>
    public static string CollectorKind => GCSettings.IsServerGC ? "server" : "workstation";

    /// <summary>The collector's work over the blocks, and its share of their wall time, as a line of a report.</summary>
    public static string CollectorLine(CollectorActivity c, TimeSpan blocks) =>
        $"garbage collector ({CollectorKind}) over the blocks: {c.Gen2} full, {c.Gen1} gen1 and {c.Gen0} gen0 collections, paused {Ms(c.Pause)}"
        + (blocks > TimeSpan.Zero ? $" ({c.Pause / blocks:P1} of the wall time)" : "");
}
