namespace ParallelExec.Batches;

/// <summary>How a transaction's declared access hints are carried in a batch.</summary>
public enum BatchHintMode : byte
{
    /// <summary>No hints.</summary>
    None = 0,
    /// <summary>Exactly the hints the transaction derives itself (<c>SenderTransaction.BuildHints</c> with the block's beneficiary): no bytes.</summary>
    Derived = 1,
    /// <summary>An explicit list of read and write keys follows.</summary>
    Explicit = 2,
}
