using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ParallelExec.Testing;

/// <summary>Runs the built CLI (<see cref="RepositoryPaths.BuiltCli"/>) as a child process. Linked into every test project.</summary>
internal static class CliProcess
{
    /// <summary>Runs <c>dotnet ParallelExec.Cli.dll args…</c> to its end: exit code, standard output, standard error.</summary>
    public static (int Code, string Out, string Err) Run(string cli, params string[] args) => Run(cli, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Run(string, string[])"/>, with these environment variables set.</summary>
    public static (int Code, string Out, string Err) Run(string cli, Dictionary<string, string> environment, params string[] args) =>
        RunProgram("dotnet", [cli, .. args], environment);

    /// <summary>Runs a program to its end (with extra environment variables, if any): exit code, standard output, standard error.</summary>
    public static (int Code, string Out, string Err) RunProgram(string program, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(StartInfo(program, args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync(); // both pipes drained at once: neither can fill up and block the child
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    /// <summary>The last line of a command's output (where an interrupted command says where it stopped).</summary>
    public static string LastLine(string output) => output.TrimEnd().Split('\n')[^1];

    /// <summary>The built CLI, asserting that it was built next to the tests.</summary>
    public static string Built()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests (src/ParallelExec.Cli/bin/<configuration>/net10.0)");
        return cli!;
    }

    /// <summary>
    /// Starts the CLI with its progress written as plain lines on standard error
    /// (<c>PARALLELEXEC_PROGRESS=plain</c>), so a test can wait until it is under way before signalling it.
    /// </summary>
    public static Running Start(string cli, params string[] args) => Start(cli, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Start(string, string[])"/>, with these environment variables set too.</summary>
    public static Running Start(string cli, Dictionary<string, string> environment, params string[] args) =>
        new(StartInfo("dotnet", [cli, .. args], new Dictionary<string, string>(environment) { ["PARALLELEXEC_PROGRESS"] = "plain" }));

    private static ProcessStartInfo StartInfo(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        // The layout of redirected output and the progress lines depend on these alone.
        info.Environment.Remove("COLUMNS");
        info.Environment.Remove("PARALLELEXEC_PROGRESS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        return info;
    }

    /// <summary>A CLI process running in the background; its output is collected line by line as it comes.</summary>
    internal sealed class Running : IDisposable
    {
        private const int SigInt = 2;
        private readonly Process _process;
        private readonly BlockingCollection<string> _errorLines = [];
        private readonly List<string> _error = [], _output = [];

        public Running(ProcessStartInfo info)
        {
            _process = Process.Start(info)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_output) _output.Add(e.Data);
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    _errorLines.CompleteAdding();
                    return;
                }
                lock (_error) _error.Add(e.Data);
                _errorLines.Add(e.Data);
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        /// <summary>The process id (the same after the CLI replaces its own image at start).</summary>
        public int Id => _process.Id;

        /// <summary>Waits for a line on standard error that contains <paramref name="text"/>; false if the process ended first.</summary>
        public bool WaitForErrorLine(string text)
        {
            foreach (var line in _errorLines.GetConsumingEnumerable())
                if (line.Contains(text, StringComparison.Ordinal)) return true;
            return false;
        }

        /// <summary>Sends SIGINT, as Ctrl-C in a terminal does.</summary>
        public void Interrupt() => Assert.Equal(0, Kill(_process.Id, SigInt));

        /// <summary>Waits for the end (at most <paramref name="timeout"/>, then kills it and fails): exit code, standard output, standard error.</summary>
        public (int Code, string Out, string Err) WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                _process.Kill(entireProcessTree: true);
                Assert.Fail($"the CLI did not end within {timeout}");
            }
            _process.WaitForExit(); // the output pipes drained
            lock (_output)
            lock (_error)
                return (_process.ExitCode, string.Join('\n', _output), string.Join('\n', _error));
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int Kill(int pid, int signal);
    }
}
