using System.Runtime.InteropServices;

namespace ParallelExec.Cli.Terminal;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM as a <see cref="CancellationToken"/>: the first signal asks the running
/// command to stop at its next block boundary, clean up and exit 128 + the signal's number (130 for
/// Ctrl-C); a second one ends the process at once, as if nothing were installed. Only a command that
/// watches the token (<see cref="Enable"/>) holds the signal back; any other ends at once.
/// </summary>
internal static class Interruption
{
    private static readonly CancellationTokenSource Source = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _signal;
    private static volatile bool _enabled;

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public static CancellationToken Token => Source.Token;

    /// <summary>The exit code of an interrupted command: 128 + the signal's number.</summary>
    public static int ExitCode => 128 + (_signal == 0 ? 2 : _signal);

    /// <summary>From now on the first signal cancels <see cref="Token"/> instead of ending the process.</summary>
    public static void Enable() => _enabled = true;

    public static void Install()
    {
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Handle(context, 2)));
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Handle(context, 15)));
    }

    private static void Handle(PosixSignalContext context, int number)
    {
        if (!_enabled) return;
        if (Interlocked.CompareExchange(ref _signal, number, 0) != 0) return; // the second signal terminates
        context.Cancel = true;
        Source.Cancel();
    }
}
