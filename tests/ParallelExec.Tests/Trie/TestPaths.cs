namespace ParallelExec.Tests.Trie;

/// <summary>Locates the repository and the shared test vectors next to it.</summary>
internal static class TestPaths
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
}
