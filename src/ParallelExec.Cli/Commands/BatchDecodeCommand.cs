using System.CommandLine;
using ParallelExec.Batches;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Terminal;
using ParallelExec.State;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec batch decode B.pxbatch -o CHAIN.pxb [--genesis G.pxb]</c>: writes a batch's blocks
/// back as a chain file. A batch that names accounts by their genesis position needs that genesis (a
/// chain file embedding it); a batch that starts at the genesis embeds it in the output when given,
/// else the output starts from the batch's previous state root.
/// </summary>
public static class BatchDecodeCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("batch") { Description = "The .pxbatch batch file" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Chain file to write (its folder must exist)", Required = true };
        var genesisOption = new Option<FileInfo>("--genesis") { Description = "A chain file embedding the batch's genesis (needed when the batch names accounts by position)" };
        var force = new Option<bool>("--force") { Description = "Replace the output file if it exists" };
        var command = new Command("decode", "Write a batch's blocks back as a .pxb chain file");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { output, genesisOption, force }) command.Options.Add(option);
        command.SetGuardedAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var outPath = parse.GetValue(output)!.FullName;
            ChainCli.CheckOutputFile(outPath, parse.GetValue(force), "--force");
            var bytes = ReadBatchFile(path);
            var header = OnBatch(path, () => BatchDecoder.ReadHeader(bytes));
            var genesisPath = parse.GetValue(genesisOption)?.FullName;
            var (genesis, directory) = GenesisFor(path, header, genesisPath);
            var batch = OnBatch(path, () => BatchDecoder.Decode(bytes, directory));
            var start = ChainStart.FromParentRoot(header.PreviousRoot);
            if (header.StartsAtGenesis && genesis is not null)
            {
                var root = ChainCli.GenesisRoot(genesis);
                if (!root.Equals(header.PreviousRoot))
                    throw new ArgumentException($"--genesis {genesisPath}: its state root {root} is not the batch's previous root {header.PreviousRoot}");
                start = ChainStart.FromGenesis(genesis);
            }
            ChainCli.WriteAtomically(outPath, temp => ChainWriter.Write(temp, start, batch.Blocks));
            CliConsole.Prose($"wrote {outPath}: blocks {header.FirstBlock}..{header.FirstBlock + header.BlockCount - 1}, {header.TransactionCount:N0} txs, " +
                             (start.Kind == ChainStartKind.Genesis ? "starting from the embedded genesis" : $"starting from state root {header.PreviousRoot}"));
            return 0;
        });
        return command;
    }

    internal static byte[] ReadBatchFile(string path)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{path}: is a folder, not a batch file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such batch file", path);
        long length = new FileInfo(path).Length;
        if (length > BatchFormat.MaxBatchBytes) throw new InvalidDataException($"{path}: {length:N0} bytes exceed the batch bound {BatchFormat.MaxBatchBytes:N0}");
        return File.ReadAllBytes(path);
    }

    internal static T OnBatch<T>(string path, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (BatchFormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The genesis given with <c>--genesis</c> (null when none) and the account directory the batch's
    /// positions refer to (null when it uses none); a batch that needs one without it is an error.
    /// </summary>
    internal static (InMemoryState? Genesis, AccountDirectory? Directory) GenesisFor(string batchPath, BatchHeader header, string? genesisPath)
    {
        if (header.UsesDirectory && genesisPath is null)
            throw new ArgumentException($"{batchPath}: the batch names accounts by their position in its chain's genesis; give that chain file with --genesis");
        var genesis = genesisPath is null ? null : ChainCli.OnChainFile(genesisPath, () => ReadGenesis(genesisPath));
        return (genesis, header.UsesDirectory ? AccountDirectory.FromState(genesis!) : null);
    }

    private static InMemoryState ReadGenesis(string path)
    {
        using var reader = ChainReader.Open(path);
        return reader.Start.Genesis ?? throw new ArgumentException($"--genesis {path}: the chain file starts from a parent root, it embeds no genesis");
    }
}
