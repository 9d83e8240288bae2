using Spectre.Console;

namespace ParallelExec.Cli.Terminal;

/// <summary>
/// Where the CLI writes: results (tables, JSON, summaries) to standard output, progress to standard
/// error only (<see cref="CliProgress"/>), so <c>parallelexec bench &gt; out.txt</c> holds results alone.
/// Redirected, tables are laid out for <see cref="RedirectedWidth"/> columns (or <c>COLUMNS</c>).
/// </summary>
internal static class CliConsole
{
    /// <summary>The width tables are laid out for when standard output is a file or a pipe.</summary>
    public const int RedirectedWidth = 80;

    /// <summary>Standard output as a Spectre console (tables).</summary>
    public static IAnsiConsole Out { get; } = CreateOut();

    /// <summary>Standard error as a Spectre console, for live progress displays (only used on a terminal).</summary>
    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>A paragraph of text on standard output, wrapped at word boundaries to the width.</summary>
    public static void Prose(string text)
    {
        Out.Write(new Text(text));
        Out.WriteLine();
    }

    private static IAnsiConsole CreateOut()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns >= 40 ? columns : RedirectedWidth;
        return console;
    }
}
