using System.Runtime.InteropServices;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>What a benchmark ran on: every reported figure states it.</summary>
public sealed record MachineInfo(int Cores, string Cpu, string Runtime, string Os)
{
    public static MachineInfo Current() => new(Environment.ProcessorCount, CpuModel(), RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription);

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
    public object ToJson() => new { cores = Cores, cpu = Cpu, runtime = Runtime, os = Os };

    public override string ToString() => $"{Cores} cores, {Cpu}, {Runtime}, {Os}";
}
