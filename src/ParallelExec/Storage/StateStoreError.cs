namespace ParallelExec.Storage;

/// <summary>Why a state store could not be opened or used.</summary>
public enum StateStoreError
{
    /// <summary>No database at the path (and creating one was not asked for).</summary>
    Missing,
    /// <summary>Another process (or another store in this one) holds the database.</summary>
    Locked,
    /// <summary>The database was written in another format version.</summary>
    WrongVersion,
    /// <summary>The path holds something that is not a ParallelExec state database.</summary>
    NotAStateDatabase,
    /// <summary>The database is damaged: unreadable records, a root that does not match the state, an interrupted initialisation.</summary>
    Corrupt,
    /// <summary>The database is sound but the request does not fit it (another chain, a revert beyond the journal).</summary>
    Mismatch,
    /// <summary>Any other I/O failure.</summary>
    IoError,
}
