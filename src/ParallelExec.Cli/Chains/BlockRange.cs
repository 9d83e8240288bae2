using System.Globalization;

namespace ParallelExec.Cli.Chains;

/// <summary><c>--blocks A..B</c> (or a single number A): an inclusive range of block numbers.</summary>
internal readonly record struct BlockRange(long First, long Last)
{
    /// <summary>Every block.</summary>
    public static readonly BlockRange All = new(0, long.MaxValue);

    public bool Contains(long number) => number >= First && number <= Last;

    /// <summary>Parses <paramref name="text"/>; null gives <see cref="All"/>.</summary>
    public static BlockRange Parse(string? text, string option)
    {
        if (text is null) return All;
        var parts = text.Split("..");
        if (parts.Length is 1 or 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long first)
            && (parts.Length == 1 ? (long?)first : long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long l) ? l : null) is { } last
            && first <= last)
            return new BlockRange(first, last);
        throw new ArgumentException($"{option} {text}: expected A..B (block numbers, A <= B) or a single block number");
    }
}
