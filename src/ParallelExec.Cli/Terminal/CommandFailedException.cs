namespace ParallelExec.Cli.Terminal;

/// <summary>A command's own failure with its exit code (a result mismatch: 2); the message is the one line printed.</summary>
internal sealed class CommandFailedException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
