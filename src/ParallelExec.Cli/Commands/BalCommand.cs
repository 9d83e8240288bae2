using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Terminal;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec bal</c>: prints one block's recorded EIP-7928 access list, its RLP and its hash.</summary>
public static class BalCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The recorded .pxb chain file" };
        var blockOption = new Option<long>("--block") { Description = "The block whose access list to print", Required = true };
        var json = new Option<bool>("--json") { Description = "Print {block, hash, rlp, bytes, accessList} as JSON" };
        var command = new Command("bal", "Print a block's recorded EIP-7928 block access list (Engine API JSON form), its RLP (hex) and its hash");
        command.Arguments.Add(file);
        command.Options.Add(blockOption);
        command.Options.Add(json);
        command.SetGuardedAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            long number = parse.GetValue(blockOption);
            var block = ChainCli.OnChainFile(path, () =>
            {
                using var reader = ChainReader.Open(path, options: ChainReaderOptions.BlocksOnly);
                while (reader.ReadNext() is { } next)
                    if (next.Number == number) return next;
                return null;
            });
            if (block is null) throw new ArgumentException($"--block {number}: {path} has no such block");
            var list = block.AccessList
                       ?? throw new InvalidOperationException($"{path}: block {number} has no recorded access list (run 'parallelexec record' first)");
            var rlp = list.Encode();
            string hex = "0x" + Convert.ToHexStringLower(rlp), hash = list.ComputeHash().ToString();
            if (parse.GetValue(json))
            {
                var output = new JsonObject
                {
                    ["block"] = number, ["hash"] = hash, ["bytes"] = rlp.Length, ["rlp"] = hex,
                    ["accessList"] = JsonNode.Parse(list.ToJson()),
                };
                Console.WriteLine(output.ToJsonString(ChainCli.Json));
            }
            else
            {
                Console.WriteLine(list.ToJson(indented: true));
                Console.WriteLine($"rlp ({rlp.Length} bytes): {hex}");
                Console.WriteLine($"hash: {hash}");
            }
            return 0;
        });
        return command;
    }
}
