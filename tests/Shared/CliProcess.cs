using System.Diagnostics;

namespace ParallelExec.Testing;

/// <summary>Runs the built CLI (<see cref="RepositoryPaths.BuiltCli"/>) as a child process. Linked into every test project.</summary>
internal static class CliProcess
{
    /// <summary>Runs <c>dotnet ParallelExec.Cli.dll args…</c> to its end: exit code, standard output, standard error.</summary>
    public static (int Code, string Out, string Err) Run(string cli, params string[] args) => RunProgram("dotnet", [cli, .. args]);

    /// <summary>Runs a program to its end (with extra environment variables, if any): exit code, standard output, standard error.</summary>
    public static (int Code, string Out, string Err) RunProgram(string program, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(); // both pipes drained at once: neither can fill up and block the child
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}
