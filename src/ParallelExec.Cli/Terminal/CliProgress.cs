using Spectre.Console;

namespace ParallelExec.Cli.Terminal;

/// <summary>
/// Progress of a long command, on standard error and only where a person watches it: a live display
/// when standard error is a terminal, nothing when it is redirected. <c>PARALLELEXEC_PROGRESS=plain</c>
/// writes it as plain lines instead (CI logs; the interruption tests wait for them), <c>=none</c> never.
/// </summary>
internal static class CliProgress
{
    private enum Mode { None, Live, Lines }

    private static readonly Mode Current = Environment.GetEnvironmentVariable("PARALLELEXEC_PROGRESS")?.ToLowerInvariant() switch
    {
        "plain" => Mode.Lines,
        "none" => Mode.None,
        _ => Console.IsErrorRedirected ? Mode.None : Mode.Live,
    };

    /// <summary>Runs <paramref name="work"/>, showing the status lines it reports.</summary>
    public static T Status<T>(string title, Func<Action<string>?, T> work)
    {
        switch (Current)
        {
            case Mode.Live:
                T result = default!;
                CliConsole.Error.Status().Start(title, ctx => result = work(text => ctx.Status(Markup.Escape(text))));
                return result;
            case Mode.Lines:
                return work(text => Console.Error.WriteLine($"{title}: {text}"));
            default:
                return work(null);
        }
    }

    /// <summary>Runs <paramref name="work"/>, showing the fraction (0 to 1) it reports as a bar (as lines: each whole percent).</summary>
    public static T Fraction<T>(string title, Func<Action<double>?, T> work)
    {
        switch (Current)
        {
            case Mode.Live:
                T result = default!;
                CliConsole.Error.Progress().AutoClear(true).Start(ctx =>
                {
                    var task = ctx.AddTask(title, maxValue: 1.0);
                    result = work(p => task.Value = p);
                    task.Value = 1.0;
                });
                return result;
            case Mode.Lines:
                int shown = -1;
                return work(p =>
                {
                    int percent = (int)(p * 100);
                    if (percent == shown) return;
                    shown = percent;
                    Console.Error.WriteLine($"{title}: {percent}%");
                });
            default:
                return work(null);
        }
    }

    /// <summary>Shows the terminal's cursor again (a live display hides it; an interruption may end one abruptly).</summary>
    public static void RestoreCursor()
    {
        if (Current == Mode.Live) Console.Error.Write("\e[?25h");
    }
}
