namespace ParallelExec.Cli.Terminal;

/// <summary>A command stopped by <see cref="Interruption"/>; the message says where it stopped (printed as is, after the command's name).</summary>
internal sealed class CommandInterruptedException(string where, Exception? inner = null) : OperationCanceledException(where, inner);
