using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
using ParallelExec.Cli.Options;
using ParallelExec.Cli.Terminal;
using Spectre.Console;

namespace ParallelExec.Cli.Commands;

/// <summary><c>parallelexec analyze</c>: dependency graph statistics and the parallelism they allow.</summary>
public static class AnalyzeCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("chain") { Description = "The .pxb chain file" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var dot = new Option<FileInfo?>("--dot") { Description = "Write the dependency graph of --block as Graphviz DOT to this file" };
        var blockOption = new Option<long?>("--block") { Description = "Block whose graph --dot writes" };
        var codecs = CodecAssemblies.CreateOption();
        var top = NumberOption.Int("--top", "Hottest keys to list", 5, 0, 1000);
        var command = new Command("analyze", "Per block and in total: dependency graph size, conflict density, critical path, speed-up limit per core count, hottest keys");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { json, dot, blockOption, top, codecs }) command.Options.Add(option);
        command.SetGuardedAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var dotFile = parse.GetValue(dot);
            var block = parse.GetValue(blockOption);
            if (dotFile is not null && block is null) throw new ArgumentException("--dot needs --block N");
            if (dotFile is not null) ChainCli.CheckOutputFile(dotFile.FullName, overwrite: true, "");
            int hottest = parse.GetValue(top);
            bool asJson = parse.GetValue(json);
            var analysis = ChainCli.OnChainFile(path, () => CliProgress.Fraction("analysing",
                p => ChainAnalyzer.Analyze(path, CodecAssemblies.Load(parse.GetValue(codecs)), hottest: hottest, progress: p, keepEdgesOf: block ?? -1)));
            if (dotFile is not null)
            {
                var target = analysis.Blocks.FirstOrDefault(b => b.Number == block)
                             ?? throw new ArgumentException($"--block {block}: the chain has no such block");
                File.WriteAllText(dotFile.FullName, ToDot(target));
            }
            if (asJson) PrintJson(path, analysis);
            else PrintText(analysis, dotFile);
            return 0;
        });
        return command;
    }

    private static object Limits(Func<int, double> limit) =>
        DependencyGraphStats.CoreCounts.ToDictionary(c => c.ToString(CultureInfo.InvariantCulture), c => Math.Round(limit(c), 3));

    private static object Keys(IReadOnlyList<KeyHeat> keys) => keys.Select(k => new
    {
        key = k.Key.ToString(), txs = k.Transactions, readers = k.Readers, writers = k.Writers, crediters = k.Crediters,
    });

    private static void PrintJson(string path, ChainAnalysis a) =>
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            file = path,
            total = new
            {
                blocks = a.Blocks.Count, txs = a.Transactions, edges = a.Edges, dependentShare = Math.Round(a.DependentShare, 4),
                criticalPath = a.CriticalPath, speedupLimit = Limits(a.SpeedupLimit), hottestKeys = Keys(a.HottestKeys),
                accessListBytes = a.AccessListBytes, accessListBytesPerTx = Math.Round(a.AccessListBytesPerTransaction, 2),
            },
            blocks = a.Blocks.Select(b => new
            {
                number = b.Number, txs = b.Graph.Transactions, edges = b.Graph.Edges, graphSource = b.FromRecording ? "recorded" : "executed",
                density = Math.Round(b.Graph.Density, 6), dependentShare = Math.Round(b.Graph.DependentShare, 4),
                criticalPath = b.Graph.CriticalPath, speedupLimit = Limits(b.Graph.SpeedupLimit), hottestKeys = Keys(b.HottestKeys),
                accessListBytes = b.AccessListBytes, accessListBytesPerTx = Math.Round(b.AccessListBytesPerTransaction, 2),
            }),
        }, ChainCli.Json));

    private static void PrintText(ChainAnalysis a, FileInfo? dotFile)
    {
        var graphs = CliTable.Create("dependency graphs",
            ("block", true), ("txs", true), ("edges", true), ("graph", false), ("density", true), ("dependent", true), ("critical path", true));
        var limits = CliTable.Create("speed-up limit with c cores = min(c, txs / critical path)",
            [("block", true), .. DependencyGraphStats.CoreCounts.Select(c => ($"{c} cores", true)), ("list B/tx", true)]);
        foreach (var b in a.Blocks)
        {
            graphs.AddRow(b.Number.ToString("N0"), b.Graph.Transactions.ToString("N0"), b.Graph.Edges.ToString("N0"), b.FromRecording ? "recorded" : "executed",
                b.Graph.Density.ToString("F4"), b.Graph.DependentShare.ToString("P1"), b.Graph.CriticalPath.ToString("N0"));
            limits.AddRow([b.Number.ToString("N0"), .. DependencyGraphStats.CoreCounts.Select(c => b.Graph.SpeedupLimit(c).ToString("F1")),
                b.AccessListBytesPerTransaction.ToString("F1")]);
        }
        graphs.AddRow("total", a.Transactions.ToString("N0"), a.Edges.ToString("N0"), "", "", a.DependentShare.ToString("P1"), a.CriticalPath.ToString("N0"));
        limits.AddRow(["total", .. DependencyGraphStats.CoreCounts.Select(c => a.SpeedupLimit(c).ToString("F1")), a.AccessListBytesPerTransaction.ToString("F1")]);
        CliConsole.Out.Write(graphs);
        CliConsole.Out.Write(limits);
        CliConsole.Prose("list B/tx: RLP bytes of the recorded EIP-7928 access list per transaction (0: not recorded)");
        if (a.HottestKeys.Count > 0)
        {
            var keys = CliTable.Create("hottest keys (all blocks)", ("key", false), ("txs", true), ("readers", true), ("writers", true), ("crediters", true));
            foreach (var k in a.HottestKeys)
                keys.AddRow(Markup.Escape(Abbreviate(k.Key.ToString())), k.Transactions.ToString("N0"), k.Readers.ToString("N0"), k.Writers.ToString("N0"), k.Crediters.ToString("N0"));
            CliConsole.Out.Write(keys);
            CliConsole.Prose("keys abbreviated (0x1234…abcd); --json gives them in full");
        }
        if (dotFile is not null) Console.WriteLine($"wrote {dotFile.FullName}");
    }

    /// <summary>Shortens each long hex word of a key (an address, a slot) to its first and last digits, so the key table fits 80 columns.</summary>
    private static string Abbreviate(string key) =>
        string.Join("/", key.Split('/').Select(part => part.StartsWith("0x", StringComparison.Ordinal) && part.Length > 14 ? $"{part[..8]}…{part[^4..]}" : part));

    private static string ToDot(BlockAnalysis b)
    {
        var critical = new HashSet<int>(b.Graph.CriticalChain);
        var chainEdges = new HashSet<(int, int)>(b.Graph.CriticalChain.Zip(b.Graph.CriticalChain.Skip(1)));
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"digraph block{b.Number} {{");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  label=\"block {b.Number}: {b.Graph.Transactions} txs, {b.Graph.Edges} edges, critical path {b.Graph.CriticalPath}\";");
        sb.AppendLine("  node [shape=circle];");
        for (int i = 0; i < b.Graph.Transactions; i++)
        {
            string color = critical.Contains(i) ? ", color=red" : "";
            sb.AppendLine(CultureInfo.InvariantCulture, $"  t{i} [label=\"{i}\"{color}];");
        }
        foreach (var (from, to) in b.Edges)
        {
            string color = chainEdges.Contains((from, to)) ? " [color=red]" : "";
            sb.AppendLine(CultureInfo.InvariantCulture, $"  t{from} -> t{to}{color};");
        }
        sb.AppendLine("}");
        return sb.ToString();
    }
}
