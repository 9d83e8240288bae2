using System.Runtime.InteropServices;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>What a benchmark ran on: every reported figure states it.</summary>
public sealed record MachineInfo(int Cores, string Cpu, string Runtime, string Os)
{
    /// <summary>One move of a cache line between two cores, in nanoseconds (<see cref="CoreToCoreLatency"/>); null when not measured.</summary>
    public double? CoreToCoreNs { get; init; }

    /// <summary>This machine, its core-to-core latency measured (about 0.1 s).</summary>
    public static MachineInfo Current() => new(Environment.ProcessorCount, CpuModel(), RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription)
    {
        CoreToCoreNs = CoreToCoreLatency.MeasureNanoseconds(),
    };

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                        return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The machine as every JSON report states it.</summary>
    public object ToJson() => new { cores = Cores, cpu = Cpu, runtime = Runtime, os = Os, coreToCoreNs = CoreToCoreLatency.ForJson(CoreToCoreNs) };

    public override string ToString() =>
        $"{Cores} cores, {Cpu}, {Runtime}, {Os}" + (CoreToCoreNs is { } ns ? $"; a cache line moves between two cores in ~{ns:F0} ns" : "");
}
