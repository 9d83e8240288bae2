using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// Writes a sweep's results: sweep.md (a table per workload), sweep.json, and one chart per
/// workload (sweep-WORKLOAD.svg: speed-up against workers, a line per contention level).
/// Every file states the machine, the settings and that medians of N runs are shown.
/// </summary>
public static class SweepReport
{
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<BenchRow> rows, BenchSettings settings, MachineInfo machine)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        string setup = settings.Describe();

        var md = new StringBuilder();
        md.AppendLine("# ParallelExec sweep: sequential vs parallel");
        md.AppendLine();
        md.AppendLine($"Machine: {machine}. {setup}. Speed-up is against the sequential executor in the same run; " +
                      $"the limit is the smaller of the speed-up of N independent sequential runs at once on this machine (at most min(N, {machine.Cores})) and transactions / critical path of the blocks' dependency graphs. Fewer accounts = more contention.");
        foreach (var group in rows.GroupBy(r => r.Workload))
        {
            md.AppendLine();
            md.AppendLine($"## {group.Key}");
            md.AppendLine();
            md.AppendLine("| accounts | executor | workers | tx/s | speed-up | limit | re-executions | fallbacks | in order | why in order |");
            md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var r in group)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Accounts:N0} | {r.Executor} | {r.Workers} | {r.Tps:N0} | {r.Speedup:F2}x | {(r.Limit is { } l ? $"{l.Speedup:F2}x" : "-")} | {r.Reexecutions:N0} | {r.Fallbacks:N0} | {r.InOrder:N0} | {r.InOrderReason ?? "-"} |"));
            var series = group.Where(r => r.Executor == "parallel").GroupBy(r => r.Accounts)
                .Select(g => new SvgChart.Series($"{g.Key:N0} accounts", g.Select(r => (r.Workers, r.Speedup)).ToList()))
                .ToList();
            string svgName = $"sweep-{group.Key}.svg";
            File.WriteAllText(Path.Combine(directory, svgName),
                SvgChart.Render($"{group.Key}: speed-up over sequential", $"{machine.Cores} cores, {machine.Cpu}; {setup}", series, machine.Cores));
            written.Add(Path.Combine(directory, svgName));
            md.AppendLine();
            md.AppendLine($"![{group.Key}]({svgName})");
        }
        string mdPath = Path.Combine(directory, "sweep.md");
        File.WriteAllText(mdPath, md.ToString());
        written.Insert(0, mdPath);

        string jsonPath = Path.Combine(directory, "sweep.json");
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(new
        {
            machine = machine.ToJson(),
            settings = settings.ToJson(withAccounts: false),
            runs = rows,
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        written.Insert(1, jsonPath);
        return written;
    }
}
