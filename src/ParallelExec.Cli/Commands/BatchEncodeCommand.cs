using System.CommandLine;
using System.Text.Json;
using ParallelExec.Batches;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Terminal;
using ParallelExec.State;

namespace ParallelExec.Cli.Commands;

/// <summary>
/// <c>parallelexec batch encode CHAIN.pxb -o B.pxbatch [--blocks A..B]</c>: writes a chain's blocks as
/// one compressed batch and prints where its bytes go, beside Brotli of it and the chain file's own bytes.
/// </summary>
public static class BatchEncodeCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Batch file to write (its folder must exist)", Required = true };
        var range = new Option<string>("--blocks") { Description = "Blocks to carry, A..B or one number (default: all)" };
        var addresses = new Option<string>("--addresses")
        {
            Description = "genesis: name genesis accounts by their position in it where shorter (needs an embedded genesis); table: every address in the batch's own table",
            DefaultValueFactory = _ => "genesis",
        };
        addresses.AcceptOnlyFromAmong("genesis", "table");
        var force = new Option<bool>("--force") { Description = "Replace the output file if it exists" };
        var json = new Option<bool>("--json") { Description = "Print the sizes as JSON" };
        var codecs = CodecAssemblies.CreateOption();
        var command = new Command("encode", "Write a chain file's blocks as one compressed batch and print its size per transaction kind");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { output, range, addresses, force, json, codecs }) command.Options.Add(option);
        command.SetGuardedAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var outPath = parse.GetValue(output)!.FullName;
            var blocks = BlockRange.Parse(parse.GetValue(range), "--blocks");
            ChainCli.CheckOutputFile(outPath, parse.GetValue(force), "--force");
            var registry = CodecAssemblies.Load(parse.GetValue(codecs));
            bool useGenesis = parse.GetValue(addresses) == "genesis";
            var (selected, options) = ChainCli.OnChainFile(path, () => Select(path, registry, blocks, useGenesis));
            EncodedBatch batch;
            try
            {
                batch = BatchEncoder.Encode(selected, options);
            }
            catch (NotSupportedException e)
            {
                throw new NotSupportedException($"{path}: {e.Message}", e);
            }
            ChainCli.WriteAtomically(outPath, temp => File.WriteAllBytes(temp, batch.Bytes));
            var report = BatchSizeReport.Measure(batch, selected);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report.ToJson(outPath), ChainCli.Json));
            else report.Print(outPath);
            return 0;
        });
        return command;
    }

    // The blocks in range, and what the header says about them: the root before the first, the genesis directory.
    private static (List<ChainBlock> Blocks, BatchEncoderOptions Options) Select(string path, TransactionCodecRegistry? registry, BlockRange range, bool useGenesis)
    {
        using var reader = ChainReader.Open(path, registry);
        var selected = new List<ChainBlock>();
        long? firstInFile = null, lastInFile = null;
        Hash256 before = default;
        while (reader.ReadNext() is { } block)
        {
            firstInFile ??= block.Number;
            lastInFile = block.Number;
            if (range.Contains(block.Number)) selected.Add(block);
            else if (block.Number < range.First) before = block.ExpectedRoot;
            else break;
        }
        if (selected.Count == 0)
        {
            throw new ArgumentException(firstInFile is null
                ? $"{path}: the chain has no blocks"
                : $"--blocks {range.First}..{range.Last}: {path} has no block in that range (its blocks are {firstInFile}..{lastInFile})");
        }
        bool fromStart = selected[0].Number == firstInFile;
        var start = reader.Start;
        var genesis = start.Kind == ChainStartKind.Genesis ? start.Genesis : null;
        if (fromStart)
        {
            before = genesis is not null ? ChainCli.GenesisRoot(genesis) : start.ParentRoot;
        }
        var options = new BatchEncoderOptions
        {
            PreviousRoot = before,
            Directory = useGenesis && genesis is not null ? AccountDirectory.FromState(genesis) : null,
            StartsAtGenesis = fromStart && genesis is not null,
        };
        // Blocks with their recorded roots only: a batch carries no dependency graphs or access lists.
        return (selected.Select(b => new ChainBlock(b.Block, b.ExpectedRoot)).ToList(), options);
    }
}
