using System.Diagnostics;
using System.Text;

namespace ParallelExec.Testing;

/// <summary>
/// A Node.js script under tests/ that serves as an independent oracle (ethereumjs packages pinned by
/// its package-lock.json). Installs the locked dependencies with <c>npm ci</c> on first use when
/// node_modules lacks <paramref name="package"/>. Fails loudly, never skips, when Node or npm is unavailable.
/// </summary>
internal sealed class NodeScript(string folderName, string script, string package)
{
    private readonly object _installLock = new();
    private bool _installed;

    public string Folder => Path.Combine(RepositoryPaths.RepoRoot, "tests", folderName);

    /// <summary>The Node.js executable: PARALLELEXEC_NODE when set, else "node" from PATH.</summary>
    private static string Node => Environment.GetEnvironmentVariable("PARALLELEXEC_NODE") is { Length: > 0 } node ? node : "node";

    /// <summary>
    /// Runs the script (with <paramref name="mode"/> as its argument when given) with
    /// <paramref name="input"/> on stdin and returns its stdout.
    /// </summary>
    public string Run(string input, string? mode = null)
    {
        EnsureInstalled();
        var arguments = mode is null ? script : $"{script} {mode}";
        var (exitCode, stdout, stderr) = TryExecute(Node, arguments, input, TimeSpan.FromMinutes(5));
        if (exitCode != 0) throw new InvalidOperationException($"{Node} {arguments} failed with exit code {exitCode}: {stderr}");
        return stdout;
    }

    private void EnsureInstalled()
    {
        lock (_installLock)
        {
            if (_installed) return;
            var (versionExit, version, versionError) = TryExecute(Node, "--version", null, TimeSpan.FromSeconds(30));
            if (versionExit != 0)
            {
                throw new InvalidOperationException(
                    $"the differential tests need Node.js >= 20 ('node' on PATH) to run tests/{folderName}; 'node --version' failed: {versionError}".Trim());
            }
            if (!Directory.Exists(Path.Combine(Folder, "node_modules", package)))
            {
                var (npmExit, npmOut, npmError) = TryExecute("npm", "ci --no-audit --no-fund", null, TimeSpan.FromMinutes(5));
                if (npmExit != 0)
                {
                    throw new InvalidOperationException(
                        $"'npm ci' in {Folder} failed (node {version.Trim()}), so the ethereumjs reference is unavailable: {npmError}{npmOut}".Trim());
                }
            }
            _installed = true;
        }
    }

    private (int ExitCode, string Stdout, string Stderr) TryExecute(string file, string arguments, string? stdin, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", $"could not start '{file}': {e.Message}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, stdout.Result, $"'{file} {arguments}' timed out after {timeout}");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
