using System.IO.Compression;
using ParallelExec.Testing;

namespace ParallelExec.Product.Tests;

/// <summary>
/// <c>dotnet pack</c> of the shipped projects (from the build the tests ran on, without rebuilding)
/// gives packages with the README, the license and XML docs, symbol packages, and a .NET tool that
/// installs from the local folder only and runs as <c>parallelexec</c>.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parallelexec-pack-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Dotnet(params string[] args) => CliProcess.RunProgram("dotnet", args);

    [Fact]
    public void Packages_carry_docs_and_symbols_and_the_tool_installs_from_the_local_folder()
    {
        string feed = Path.Combine(_dir, "feed");
        foreach (var project in new[] { "ParallelExec", "ParallelExec.Storage.RocksDb", "ParallelExec.Cli" })
        {
            var pack = Dotnet("pack", Path.Combine(RepositoryPaths.RepoRoot, "src", project, project + ".csproj"),
                "-c", RepositoryPaths.Configuration, "--no-build", "-o", feed, "-p:Version=0.0.0-test");
            Assert.True(pack.Code == 0, $"dotnet pack {project}: {pack.Out}{pack.Err}");
            Assert.True(File.Exists(Path.Combine(feed, $"{project}.0.0.0-test.snupkg")), $"{project}: no symbol package");
        }

        foreach (var library in new[] { "ParallelExec", "ParallelExec.Storage.RocksDb" })
        {
            using var package = ZipFile.OpenRead(Path.Combine(feed, $"{library}.0.0.0-test.nupkg"));
            var entries = package.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains($"lib/net10.0/{library}.dll", entries);
            Assert.Contains($"lib/net10.0/{library}.xml", entries);
            Assert.Contains("README.md", entries);
            Assert.Contains("LICENSE", entries);
            using var nuspec = new StreamReader(package.GetEntry($"{library}.nuspec")!.Open());
            string metadata = nuspec.ReadToEnd();
            Assert.Contains("<authors>ParallelExec contributors</authors>", metadata);
            Assert.Contains("<license type=\"expression\">MIT</license>", metadata);
            Assert.Contains("<readme>README.md</readme>", metadata);
            Assert.DoesNotContain("Package Description", metadata);
            using var docs = new StreamReader(package.GetEntry($"lib/net10.0/{library}.xml")!.Open());
            Assert.Contains("<member name=\"T:", docs.ReadToEnd());
        }

        // Only the local folder as a source: the tool must come from this build, not from a registry.
        string config = Path.Combine(_dir, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        // A private package cache too: the machine's cache may hold an older 0.0.0-test from an earlier run.
        string tools = Path.Combine(_dir, "tools");
        var install = CliProcess.RunProgram("dotnet",
            ["tool", "install", "--tool-path", tools, "--configfile", config, "--version", "0.0.0-test", "ParallelExec.Cli"],
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_dir, "packages") });
        Assert.True(install.Code == 0, $"dotnet tool install: {install.Out}{install.Err}");

        string parallelexec = Path.Combine(tools, OperatingSystem.IsWindows() ? "parallelexec.exe" : "parallelexec");
        var help = CliProcess.RunProgram(parallelexec, ["--help"]);
        Assert.True(help.Code == 0, help.Err);
        foreach (var command in new[] { "bench", "gen", "record", "replay", "analyze", "revert" }) Assert.Contains(command, help.Out);

        var bench = CliProcess.RunProgram(parallelexec, ["bench", "--workload", "p2p", "--accounts", "200", "--txs", "200", "--blocks", "1", "--runs", "1", "--workers", "2", "--json"]);
        Assert.True(bench.Code == 0, $"{bench.Out}{bench.Err}");
        Assert.Contains("\"stateRoot\"", bench.Out);
    }
}
