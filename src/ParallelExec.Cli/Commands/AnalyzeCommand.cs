using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Cli.Chains;
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
        var top = new Option<int>("--top") { Description = "Hottest keys to list", DefaultValueFactory = _ => 5 };
        var command = new Command("analyze", "Per block and in total: dependency graph size, conflict density, critical path, speed-up limit per core count, hottest keys");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { json, dot, blockOption, top, codecs }) command.Options.Add(option);
        command.SetAction(parse => ChainCli.Guard("analyze", () =>
        {
            var path = parse.GetValue(file)!.FullName;
            var dotFile = parse.GetValue(dot);
            var block = parse.GetValue(blockOption);
            if (dotFile is not null && block is null) throw new ArgumentException("--dot needs --block N");
            int hottest = parse.GetValue(top);
            if (hottest is < 0 or > 1000) throw new ArgumentException($"--top must be between 0 and 1000, got {hottest}");
            bool asJson = parse.GetValue(json);
            var analysis = ChainCli.WithProgress("analysing", asJson,
                p => ChainAnalyzer.Analyze(path, CodecAssemblies.Load(parse.GetValue(codecs)), hottest: hottest, progress: p, keepEdgesOf: block ?? -1));
            if (dotFile is not null)
            {
                var target = analysis.Blocks.FirstOrDefault(b => b.Number == block)
                             ?? throw new ArgumentException($"--block {block}: the chain has no such block");
                File.WriteAllText(dotFile.FullName, ToDot(target));
            }
            if (asJson) PrintJson(path, analysis);
            else PrintText(analysis, dotFile);
            return 0;
        }));
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
        var table = new Table().Title("dependency graphs").AddColumns("block", "txs", "edges", "graph", "density", "dependent", "critical path",
            "speed-up limit " + string.Join("/", DependencyGraphStats.CoreCounts) + " cores", "access list bytes (per tx)");
        foreach (var b in a.Blocks)
        {
            var row = new List<string>
            {
                b.Number.ToString(), b.Graph.Transactions.ToString("N0"), b.Graph.Edges.ToString("N0"), b.FromRecording ? "recorded" : "executed",
                b.Graph.Density.ToString("F4"), b.Graph.DependentShare.ToString("P1"), b.Graph.CriticalPath.ToString("N0"),
            };
            row.Add(string.Join(" ", DependencyGraphStats.CoreCounts.Select(c => $"{b.Graph.SpeedupLimit(c):F1}")));
            row.Add($"{b.AccessListBytes:N0} ({b.AccessListBytesPerTransaction:F1})");
            table.AddRow(row.ToArray());
        }
        var total = new List<string>
        {
            "total", a.Transactions.ToString("N0"), a.Edges.ToString("N0"), "", "", a.DependentShare.ToString("P1"), a.CriticalPath.ToString("N0"),
        };
        total.Add(string.Join(" ", DependencyGraphStats.CoreCounts.Select(c => $"{a.SpeedupLimit(c):F1}")));
        total.Add($"{a.AccessListBytes:N0} ({a.AccessListBytesPerTransaction:F1})");
        table.AddRow(total.ToArray());
        AnsiConsole.Write(table);
        Console.WriteLine("speed-up limit with c cores = min(c, txs / critical path)");
        if (a.HottestKeys.Count > 0)
        {
            var keys = new Table().Title("hottest keys (all blocks)").AddColumns("key", "txs", "readers", "writers", "crediters");
            foreach (var k in a.HottestKeys)
                keys.AddRow(Markup.Escape(k.Key.ToString()), k.Transactions.ToString("N0"), k.Readers.ToString("N0"), k.Writers.ToString("N0"), k.Crediters.ToString("N0"));
            AnsiConsole.Write(keys);
        }
        if (dotFile is not null) Console.WriteLine($"wrote {dotFile.FullName}");
    }

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
