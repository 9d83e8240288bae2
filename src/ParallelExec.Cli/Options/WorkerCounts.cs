namespace ParallelExec.Cli.Options;

/// <summary>Worker counts, the same bound for every command.</summary>
internal static class WorkerCounts
{
    /// <summary>The most workers any command accepts (far beyond any machine's cores this runs on; each worker is a thread).</summary>
    public const int Max = 256;

    /// <summary>The default: one per processor.</summary>
    public static int Default => Math.Clamp(Environment.ProcessorCount, 1, Max);

    /// <summary>Parses a comma-separated list such as <c>1,2,4</c>; an empty entry (<c>1,,2</c>) or a count out of range is an error.</summary>
    public static IReadOnlyList<int> ParseList(string text, string option)
    {
        var list = new List<int>();
        foreach (var part in text.Split(','))
        {
            var entry = part.Trim();
            if (entry.Length == 0) throw new ArgumentException($"{option} '{text}': an empty entry; give worker counts separated by commas, such as 1,2,4");
            if (!int.TryParse(entry, out int n) || n < 1 || n > Max)
                throw new ArgumentException($"{option} '{text}': '{entry}' is not a worker count from 1 to {Max}");
            list.Add(n);
        }
        return list;
    }
}
