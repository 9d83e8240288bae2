using ParallelExec.Testing;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace ParallelExec.Testing;

/// <summary>
/// Runs tests/mpt-reference (ethereumjs's @ethereumjs/mpt under Node) as an independent oracle: trie
/// roots (<see cref="Run"/>) and eth_getProof verification (<see cref="VerifyProofs"/>). Installs
/// its locked dependencies with <c>npm ci</c> on first use when node_modules is missing.
/// Fails loudly, never skips, when Node or npm is unavailable.
/// </summary>
internal static class MptReference
{
    private static readonly object InstallLock = new();
    private static bool _installed;

    public static string Folder => Path.Combine(RepositoryPaths.RepoRoot, "tests", "mpt-reference");

    /// <summary>The Node.js executable: PARALLELEXEC_NODE when set, else "node" from PATH.</summary>
    private static string Node => Environment.GetEnvironmentVariable("PARALLELEXEC_NODE") is { Length: > 0 } node ? node : "node";

    /// <summary>One trie case: its operations, with ("root") checkpoints.</summary>
    public sealed class Case(bool secure)
    {
        public bool Secure { get; } = secure;
        public List<string[]> Ops { get; } = new();

        public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Ops.Add(["put", Hex(key), Hex(value)]);
        public void Delete(ReadOnlySpan<byte> key) => Ops.Add(["del", Hex(key)]);
        public void Root() => Ops.Add(["root"]);

        private static string Hex(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);
    }

    /// <summary>Roots per case: one per checkpoint, then the final root.</summary>
    public static List<List<string>> Run(IReadOnlyList<Case> cases)
    {
        EnsureInstalled();
        var input = JsonSerializer.Serialize(cases.Select(c => new { secure = c.Secure, ops = c.Ops }));
        var (exitCode, stdout, stderr) = TryExecute(Node, "mpt-reference.mjs", input, TimeSpan.FromMinutes(5));
        if (exitCode != 0) throw new InvalidOperationException($"{Node} mpt-reference.mjs failed with exit code {exitCode}: {stderr}");
        var result = JsonSerializer.Deserialize<List<List<string>>>(stdout)
            ?? throw new InvalidOperationException($"node mpt-reference.mjs printed no result: {stdout}");
        if (result.Count != cases.Count) throw new InvalidOperationException($"expected {cases.Count} results, got {result.Count}");
        return result;
    }

    /// <summary>
    /// What ethereumjs proves from eth_getProof results (<paramref name="proofsJson"/>: a JSON array of
    /// them) at <paramref name="stateRoot"/>: per proof, the proven account fields (null: proven absent)
    /// and slot values (null: proven absent), or an error when a proof does not verify.
    /// </summary>
    public static JsonElement VerifyProofs(string stateRoot, string proofsJson)
    {
        EnsureInstalled();
        var input = $"{{\"stateRoot\":\"{stateRoot}\",\"proofs\":{proofsJson}}}";
        var (exitCode, stdout, stderr) = TryExecute(Node, "mpt-reference.mjs verify-proofs", input, TimeSpan.FromMinutes(5));
        if (exitCode != 0) throw new InvalidOperationException($"{Node} mpt-reference.mjs verify-proofs failed with exit code {exitCode}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static void EnsureInstalled()
    {
        lock (InstallLock)
        {
            if (_installed) return;
            var (versionExit, version, versionError) = TryExecute(Node, "--version", null, TimeSpan.FromSeconds(30));
            if (versionExit != 0)
            {
                throw new InvalidOperationException(
                    $"the differential trie tests need Node.js >= 20 ('node' on PATH) to run tests/mpt-reference; 'node --version' failed: {versionError}".Trim());
            }
            if (!Directory.Exists(Path.Combine(Folder, "node_modules", "@ethereumjs", "mpt"))
                || !Directory.Exists(Path.Combine(Folder, "node_modules", "@ethereumjs", "rlp")))
            {
                var (npmExit, npmOut, npmError) = TryExecute("npm", "ci --no-audit --no-fund", null, TimeSpan.FromMinutes(5));
                if (npmExit != 0)
                {
                    throw new InvalidOperationException(
                        $"'npm ci' in {Folder} failed (node {version.Trim()}), so the ethereumjs reference trie is unavailable: {npmError}{npmOut}".Trim());
                }
            }
            _installed = true;
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) TryExecute(string file, string arguments, string? stdin, TimeSpan timeout)
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
