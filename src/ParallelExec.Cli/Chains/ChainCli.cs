using System.Text.Json;
using ParallelExec.Blocks;
using Spectre.Console;

namespace ParallelExec.Cli.Chains;

/// <summary>Shared plumbing of the chain commands: one-line errors, progress, JSON output.</summary>
public static class ChainCli
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// Runs a command body: bad input (a corrupt file, a missing file, a bad argument) becomes one line
    /// on stderr and exit code 1, never a stack trace.
    /// </summary>
    public static int Guard(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ChainFormatException e)
        {
            return Fail(command, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            return Fail(command, e.Message);
        }
    }

    public static int Fail(string command, string message)
    {
        Console.Error.WriteLine($"{command}: {message.ReplaceLineEndings(" ")}");
        return 1;
    }

    /// <summary>Runs <paramref name="work"/> with a progress bar unless output is JSON (or redirected).</summary>
    public static T WithProgress<T>(string title, bool quiet, Func<Action<double>?, T> work)
    {
        if (quiet || Console.IsOutputRedirected) return work(null);
        T result = default!;
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask(title, maxValue: 1.0);
            result = work(p => task.Value = p);
            task.Value = 1.0;
        });
        return result;
    }

    public static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F1} ms";
}
