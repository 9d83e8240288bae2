using System.CommandLine;
using System.CommandLine.Parsing;
using ParallelExec.Blocks;
using ParallelExec.Cli.Options;

namespace ParallelExec.Cli.Terminal;

/// <summary>
/// The top-level handler every command runs under: whatever goes wrong becomes one line on standard
/// error, <c>parallelexec COMMAND: what, where</c>, and a non-zero exit code — never a stack trace.
/// Bad input and I/O problems exit 1; an interruption exits 130 (Ctrl-C); an unexpected exception
/// (a defect, or running out of memory) exits 1 too, naming the exception and the method it came from.
/// </summary>
internal static class CommandRunner
{
    /// <summary>The command running now (for the unhandled-exception handler).</summary>
    private static string _current = "";

    /// <summary>Sets <paramref name="command"/>'s action to <paramref name="body"/> under the handler (Ctrl-C ends it at once).</summary>
    public static void SetGuardedAction(this Command command, Func<ParseResult, int> body) =>
        command.SetAction(parse => Run(NameOf(parse), () => body(parse)));

    /// <summary>The command's name as typed after <c>parallelexec</c>, with its parents (<c>batch decode</c>); "" for the root.</summary>
    public static string NameOf(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent) names.Insert(0, result.Command.Name);
        return string.Join(' ', names);
    }

    /// <summary>
    /// Sets <paramref name="command"/>'s action to <paramref name="body"/> under the handler; Ctrl-C cancels
    /// the token it is given, which it watches between blocks (see <see cref="Interruption"/>).
    /// </summary>
    public static void SetInterruptibleAction(this Command command, Func<ParseResult, CancellationToken, int> body) =>
        command.SetAction(parse => Run(command.Name, () =>
        {
            Interruption.Enable();
            return body(parse, Interruption.Token);
        }));

    /// <summary>Writes <c>parallelexec COMMAND: message</c> on standard error and returns <paramref name="exitCode"/>.</summary>
    public static int Fail(string command, string message, int exitCode = 1)
    {
        Note(command, message);
        return exitCode;
    }

    /// <summary>Writes <c>parallelexec COMMAND: message</c> on standard error, one line.</summary>
    public static void Note(string command, string message) =>
        Console.Error.WriteLine($"{Prefix(command)}: {message.ReplaceLineEndings(" ").Trim()}");

    /// <summary><c>parallelexec COMMAND</c> (<c>parallelexec</c> alone for the root command).</summary>
    public static string Prefix(string command) => command is "" or "parallelexec" ? "parallelexec" : $"parallelexec {command}";

    /// <summary>Runs <paramref name="body"/>, turning every exception into one line and an exit code.</summary>
    public static int Run(string command, Func<int> body)
    {
        _current = command;
        try
        {
            return body();
        }
        catch (CommandFailedException e)
        {
            return Fail(command, e.Message, e.ExitCode);
        }
        catch (OperationCanceledException e) when (Interruption.Token.IsCancellationRequested)
        {
            CliProgress.RestoreCursor();
            return Fail(command, e is CommandInterruptedException ? e.Message : "interrupted", Interruption.ExitCode);
        }
        catch (OutOfMemoryException)
        {
            return Fail(command, OutOfMemory(command));
        }
        catch (Exception e) when (e is ArgumentException or ChainFormatException or IOException or UnauthorizedAccessException
                                      or NotSupportedException or InvalidOperationException or FormatException or InvalidDataException)
        {
            return Fail(command, e.Message);
        }
        catch (Exception e)
        {
            return Fail(command, Unexpected(e));
        }
    }

    /// <summary>
    /// Installs the last resort for an exception on a thread of the command's own (the runtime would
    /// print its stack trace): the same one line, exit code 1.
    /// </summary>
    public static void InstallUnhandledExceptionHandler() =>
        AppDomain.CurrentDomain.UnhandledException += (_, args) =>
        {
            var e = args.ExceptionObject as Exception;
            Fail(_current, e is OutOfMemoryException ? OutOfMemory(_current) : Unexpected(e));
            Environment.Exit(1);
        };

    // replay and record hold the state in memory unless they run into a database.
    private static string OutOfMemory(string? command) =>
        $"out of memory: the work asked for does not fit in the {MemoryBudget.Describe(MemoryBudget.Available())} available to this process; " +
        (command is "replay" or "record" ? "ask for less, or run it into a database (--db DIR), which holds the state on disk" : "ask for less");

    private static string Unexpected(Exception? e) =>
        e is null ? "unexpected error" : $"unexpected error: {e.Message} ({e.GetType().Name} in {e.TargetSite?.DeclaringType?.Name}.{e.TargetSite?.Name})";
}
