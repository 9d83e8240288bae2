using ParallelExec.Testing;

namespace ParallelExec.Product.Tests;

/// <summary>README.md's library example is the code of <see cref="ReadmeExample"/>, which compiles and runs.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void The_readme_snippet_is_the_compiled_example()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryPaths.RepoRoot, "README.md"));
        int section = Array.FindIndex(readme, l => l.StartsWith("## Using the library", StringComparison.Ordinal));
        Assert.True(section >= 0, "README.md has no 'Using the library' section");
        int open = Array.FindIndex(readme, section, l => l.Trim() == "```csharp");
        int close = Array.FindIndex(readme, open + 1, l => l.Trim() == "```");
        var snippet = readme[(open + 1)..close].Select(l => l.Trim()).ToList();

        var source = File.ReadAllLines(Path.Combine(RepositoryPaths.RepoRoot, "tests", "ParallelExec.Product.Tests", "ReadmeExample.cs"));
        var usings = source.Where(l => l.StartsWith("using ", StringComparison.Ordinal)).Select(l => l.Trim());
        int begin = Array.FindIndex(source, l => l.Trim() == "// README begin");
        int end = Array.FindIndex(source, l => l.Trim() == "// README end");
        var expected = usings.Append("").Concat(source[(begin + 1)..end].Select(l => l.Trim())).ToList();

        Assert.Equal(expected, snippet);
    }

    [Fact]
    public void The_readme_example_runs_and_matches_sequential_execution() => ReadmeExample.Run();
}
