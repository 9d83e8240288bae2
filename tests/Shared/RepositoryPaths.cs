namespace ParallelExec.Testing;

/// <summary>
/// Where the tests find the repository, the shared test vectors beside it (../shared/vectors) and
/// the built CLI. Linked into every test project.
/// </summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> RepoRootLazy = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ParallelExec.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no directory above {AppContext.BaseDirectory} contains ParallelExec.sln");
    });

    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary>A file under ../shared/vectors relative to the repository root.</summary>
    public static string Vector(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([RepoRoot, "..", "shared", "vectors", .. parts]));
        if (!File.Exists(path)) throw new FileNotFoundException($"test vector {path} is missing (expected next to the repository in ../shared/vectors)", path);
        return path;
    }

    /// <summary>
    /// The CLI built in the same configuration as the running tests
    /// (src/ParallelExec.Cli/bin/&lt;configuration&gt;/net10.0/ParallelExec.Cli.dll), or null when it is not there.
    /// </summary>
    public static string? BuiltCli() => Built(Path.Combine("src", "ParallelExec.Cli"), "ParallelExec.Cli");

    /// <summary>The configuration the running tests were built in (Debug or Release).</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";

    /// <summary>
    /// The assembly of the project in <paramref name="projectDirectory"/> (relative to the repository root)
    /// built in the same configuration as the running tests, or null when it is not there.
    /// </summary>
    public static string? Built(string projectDirectory, string assemblyName)
    {
        var candidate = Path.Combine(RepoRoot, projectDirectory, "bin", Configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(candidate) ? candidate : null;
    }
}
