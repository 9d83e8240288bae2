namespace ParallelExec.AccessLists;

/// <summary>
/// A block access list that is malformed (bad RLP or JSON, out of order, duplicated, past a size
/// bound) or that disagrees with the block's execution. The message is one line naming what and where.
/// </summary>
public sealed class BlockAccessListException : FormatException
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public BlockAccessListException(string message) : base(message) { }

    /// <summary>Creates the exception with its one-line message and the error that caused it.</summary>
    public BlockAccessListException(string message, Exception inner) : base(message, inner) { }
}
