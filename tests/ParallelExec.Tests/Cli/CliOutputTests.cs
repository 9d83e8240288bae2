using System.Text.Json;
using System.Text.RegularExpressions;
using ParallelExec.Testing;
using ParallelExec.Tests.Blocks;

namespace ParallelExec.Tests.Cli;

/// <summary>
/// What the CLI prints when its output goes to a file: results only on standard output (no progress
/// anywhere, since standard error is not a terminal either), every line within 80 columns, table rows
/// whole (no number broken across lines), and bench's JSON keeping its fields.
/// </summary>
public partial class CliOutputTests
{
    private const int Width = 80;

    private static void AssertFits(string stdout)
    {
        foreach (var line in stdout.Split('\n'))
            Assert.True(line.TrimEnd().Length <= Width, $"wider than {Width} columns ({line.TrimEnd().Length}): '{line}'");
    }

    // workload, executor, tx/s, speed-up, limit, re-runs, in order, why: each on one line, numbers whole.
    [GeneratedRegex(@"^(?<workload>hot|p2p)\s+(?<executor>sequential|\d+ workers?)\s+[\d,]+\s+\d+\.\d\dx\s+(-|\d+\.\d\dx)\s+[\d,]+\s+(?<inOrder>[\d,]+)\s+(?<why>.*?)\s*$")]
    private static partial Regex BenchRow();

    [Fact]
    public void Bench_prints_results_only_fits_80_columns_and_says_why_a_row_ran_in_order()
    {
        var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), "bench", "--workload", "hot", "--accounts", "50", "--txs", "200", "--blocks", "1",
            "--runs", "2", "--workers", "1,2", "--work", "0");

        Assert.True(code == 0, stderr);
        // No progress (standard error is not a terminal); only the warning that blocks this small time poorly.
        Assert.All(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("parallelexec bench: warning: hot: ", line));
        Assert.Contains("too short to time reliably", stderr);
        AssertFits(stdout);
        var rows = stdout.Split('\n').Select(l => BenchRow().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(["sequential", "1 worker", "2 workers"], rows.Select(r => r.Groups["executor"].Value));
        Assert.Equal("-", rows[0].Groups["why"].Value);
        Assert.Equal("1 worker", rows[1].Groups["why"].Value); // ran in order, and the table says why
        string prose = stdout.ReplaceLineEndings(" ").Replace("  ", " ");
        Assert.Contains("1 worker: one worker runs every transaction in order", prose);
        // The worst round of each parallel row, beside the medians of the table.
        Assert.Matches(@"lowest run \(its speed-up over the sequential run of the same round, and how long a cache line took between two cores then\): " +
                       @"hot x1 \d+\.\d\dx( \(\d+ ns\))?, hot x2 \d+\.\d\dx( \(\d+ ns\))?\.", prose);
    }

    [Fact]
    public void Bench_bal_adds_a_row_per_worker_count_that_ran_every_block_with_its_access_list()
    {
        var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), "bench", "--workload", "amm", "--accounts", "50", "--txs", "200", "--blocks", "2",
            "--runs", "1", "--workers", "1,2", "--work", "0", "--bal", "--json");

        Assert.True(code == 0, stderr);
        var document = JsonDocument.Parse(stdout).RootElement;
        Assert.True(document.GetProperty("settings").GetProperty("accessLists").GetBoolean());
        var runs = document.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["sequential", "parallel", "parallel", "parallel+bal"], runs.Select(r => r.GetProperty("executor").GetString()));
        var listed = runs[3];
        Assert.Equal(2, listed.GetProperty("workers").GetInt32());
        Assert.Equal(0, listed.GetProperty("inOrder").GetInt64()); // every transaction ran once on the workers: the list's path
        Assert.Equal(0, listed.GetProperty("reexecutions").GetInt64());
        Assert.Equal(runs[0].GetProperty("stateRoot").GetString(), listed.GetProperty("stateRoot").GetString());
        Assert.True(listed.GetProperty("runSpeedups").GetProperty("min").GetDouble() > 0); // paired with the sequential run of its round too

        var (sweepCode, _, sweepErr) = CliProcess.Run(CliProcess.Built(), "bench", "--sweep", "--bal");
        Assert.Equal(1, sweepCode);
        Assert.Equal("parallelexec bench: --bal cannot be combined with --sweep", sweepErr.Trim());
    }

    [Fact]
    public void Bench_pairs_every_round_with_a_limit_measured_beside_it()
    {
        var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), "bench", "--workload", "p2p", "--accounts", "50", "--txs", "200", "--blocks", "3",
            "--runs", "3", "--workers", "1,2,4", "--work", "0", "--json");

        Assert.True(code == 0, stderr);
        var runs = JsonDocument.Parse(stdout).RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(4, runs.Count);
        var roundLimits = new List<double[]>();
        foreach (var run in runs.Skip(2)) // x2 and x4
        {
            int workers = run.GetProperty("workers").GetInt32();
            var rounds = run.GetProperty("rounds").EnumerateArray().ToList();
            Assert.Equal(3, rounds.Count);
            // A round's share is its speed-up over the limit taken in that round, never above the threads that can run.
            var limits = rounds.Select(r => r.GetProperty("limit").GetDouble()).ToArray();
            Assert.All(limits, l => Assert.InRange(l, 0.001, Math.Min(workers, Environment.ProcessorCount)));
            Assert.All(rounds, r =>
            {
                // The JSON gives three decimals: the quotient of two rounded figures is off by up to
                // share x (0.0005 / speed-up + 0.0005 / limit), far more than 0.01 when a busy machine
                // measured a tiny limit (0.009 was seen).
                double speedup = r.GetProperty("speedup").GetDouble(), limit = r.GetProperty("limit").GetDouble();
                double share = r.GetProperty("shareOfLimit").GetDouble();
                double rounding = share * (0.0005 / Math.Max(speedup, 0.0005) + 0.0005 / limit) + 0.001;
                Assert.InRange(speedup / limit, share - rounding, share + rounding);
            });
            roundLimits.Add(limits);
        }
        // x2 and x4 run as many threads here: the same round's limit (one measurement) pairs with both.
        if (Environment.ProcessorCount == 2) Assert.Equal(roundLimits[0], roundLimits[1]);
    }

    [Fact]
    public void Bench_json_keeps_its_fields_and_adds_the_in_order_reason()
    {
        var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), "bench", "--workload", "p2p", "--accounts", "50", "--txs", "100", "--blocks", "1",
            "--runs", "1", "--workers", "1", "--json");

        Assert.True(code == 0, stderr);
        var runs = JsonDocument.Parse(stdout).RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        foreach (var field in new[] { "workload", "executor", "workers", "txs", "blocks", "tps", "speedup", "reexecutions", "fallbacks", "inOrder", "stateRoot", "limit", "limitMachine", "limitDependencies", "inOrderReason" })
            Assert.True(runs[1].TryGetProperty(field, out _), $"runs[].{field} is missing");
        Assert.Equal("1 worker", runs[1].GetProperty("inOrderReason").GetString());
        Assert.Equal(100, runs[1].GetProperty("inOrderReasons").GetProperty("1 worker").GetInt64());
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("inOrderReason").ValueKind);
        // Each round pairs a parallel run with the sequential run before it: with one round, one ratio.
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("runSpeedups").ValueKind);
        var paired = runs[1].GetProperty("runSpeedups");
        double min = paired.GetProperty("min").GetDouble();
        Assert.True(min > 0);
        Assert.Equal(min, paired.GetProperty("median").GetDouble());
        Assert.Equal(min, paired.GetProperty("max").GetDouble());
        Assert.Equal(min, runs[1].GetProperty("runShareOfLimit").GetProperty("min").GetDouble()); // one worker: the limit is 1
        // The same round on its own: its speed-up, share of the limit, serial path and core-to-core latency.
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("rounds").ValueKind);
        var round = Assert.Single(runs[1].GetProperty("rounds").EnumerateArray());
        Assert.Equal(min, round.GetProperty("speedup").GetDouble());
        Assert.Equal(min, round.GetProperty("shareOfLimit").GetDouble());
        Assert.Equal(JsonValueKind.Null, round.GetProperty("serialMicrosPerTx").ValueKind); // one worker speculates nothing
        foreach (var field in new[] { "coreToCoreNs", "coreToCoreAfterNs" }) // before the round and after it
        {
            var roundLatency = round.GetProperty(field);
            Assert.True(roundLatency.ValueKind == JsonValueKind.Null || roundLatency.GetDouble() > 0, $"{field}: {roundLatency}");
        }
        Assert.Equal(22, JsonDocument.Parse(stdout).RootElement.GetProperty("settings").GetProperty("work").GetInt32()); // the default models a real transaction
        // The machine states how long a cache line takes between two cores: a number, or null where
        // it could not be timed (one core, or two threads the scheduler kept on one).
        var latency = JsonDocument.Parse(stdout).RootElement.GetProperty("machine").GetProperty("coreToCoreNs");
        if (Environment.ProcessorCount < 2) Assert.Equal(JsonValueKind.Null, latency.ValueKind);
        else Assert.True(latency.ValueKind == JsonValueKind.Null || latency.GetDouble() > 0, latency.ToString());
    }

    [Fact]
    public void Every_chain_command_fits_80_columns_with_nothing_on_standard_error()
    {
        var path = ChainTestFiles.TempFile();
        try
        {
            foreach (var args in new[]
            {
                new[] { "gen", "--workload", "mixed", "--accounts", "40", "--txs", "30", "--blocks", "2", "-o", path },
                ["record", path], ["replay", path], ["replay", path, "--sequential", "--no-pipeline"], ["analyze", path, "--top", "3"],
            })
            {
                var (code, stdout, stderr) = CliProcess.Run(CliProcess.Built(), args);
                Assert.True(code == 0, $"{args[0]}: {stderr}");
                Assert.Equal("", stderr);
                Assert.NotEqual("", stdout);
                AssertFits(stdout);
            }
            var analyze = CliProcess.Run(CliProcess.Built(), "analyze", path).Out;
            Assert.Contains("block  txs  edges  graph     density  dependent  critical path", analyze); // the header whole
            Assert.Matches(@"(?m)^total\s+60\s", analyze);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
