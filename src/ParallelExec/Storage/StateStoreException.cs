namespace ParallelExec.Storage;

/// <summary>
/// A state store that cannot be opened or used as asked. The message is one line naming the database
/// and what is wrong; <see cref="Error"/> says which case it is. Derives from <see cref="IOException"/>
/// so that command-line front ends report it like any other I/O problem.
/// </summary>
public sealed class StateStoreException : IOException
{
    /// <summary>A store failure of kind <paramref name="error"/>.</summary>
    public StateStoreException(StateStoreError error, string message, Exception? inner = null)
        : base(message.ReplaceLineEndings(" "), inner)
    {
        Error = error;
    }

    /// <summary>What kind of failure it is.</summary>
    public StateStoreError Error { get; }
}
