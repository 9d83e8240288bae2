namespace ParallelExec.Execution;

/// <summary>
/// Exceptions that say something about the thread or the machine that ran a transaction, not about
/// the transaction: running out of memory, or of stack (worker threads and the caller's thread have
/// different stack sizes). A result must never depend on which worker ran what, so these are engine
/// faults, never a transaction's <see cref="FailureReason.Threw"/> receipt. (A stack overflow cannot
/// be caught in .NET at all: it ends the process.)
/// </summary>
internal static class EnvironmentFault
{
    public static bool Is(Exception e) =>
        e is OutOfMemoryException or InsufficientExecutionStackException or ThreadInterruptedException;

    public static EngineFaultException Wrap(Exception e, int txIndex) =>
        new($"transaction {txIndex} hit {e.GetType().Name} ({e.Message}): the machine, not the transaction, failed", e);
}
