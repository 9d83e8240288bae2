using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace ParallelExec.Cli.Options;

/// <summary>
/// Whole-number options checked while parsing: a value that is not a number, or outside its range,
/// is a parse error that names the option and the range (never a .NET type name).
/// </summary>
internal static class NumberOption
{
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max = int.MaxValue) =>
        Create(name, description, defaultValue, min, max);

    public static Option<long> Long(string name, string description, long defaultValue, long min, long max = long.MaxValue) =>
        Create(name, description, defaultValue, min, max);

    public static Option<ulong> ULong(string name, string description, ulong defaultValue) =>
        Create(name, description, defaultValue, ulong.MinValue, ulong.MaxValue);

    private static Option<T> Create<T>(string name, string description, T defaultValue, T min, T max)
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T> => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => Parse(result, name, defaultValue, min, max),
    };

    private static T Parse<T>(ArgumentResult result, string name, T defaultValue, T min, T max)
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        if (result.Tokens.Count == 0) return defaultValue;
        string text = result.Tokens[0].Value;
        if (T.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        result.AddError(Range(name, text, min, max));
        return defaultValue;
    }

    private static string Range<T>(string name, string text, T min, T max) where T : struct, IBinaryInteger<T>, IMinMaxValue<T> =>
        max.Equals(T.MaxValue) && !min.Equals(T.Zero)
            ? $"{name}: '{text}' is not a whole number of at least {min}"
            : $"{name}: '{text}' is not a whole number from {min} to {max}";
}
