namespace ParallelExec.AccessLists;

/// <summary>Whether a block ran on the access-list path of the parallel executor.</summary>
public enum AccessListOutcome : byte
{
    /// <summary>No access list was given.</summary>
    None,
    /// <summary>Every transaction ran at once over the access list's values and agreed with it.</summary>
    Used,
    /// <summary>The list was wrong (lenient mode): dropped, and the block ran on the ordinary parallel path.</summary>
    Dropped,
}
