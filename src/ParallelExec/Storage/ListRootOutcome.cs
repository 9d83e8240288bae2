namespace ParallelExec.Storage;

/// <summary>
/// Whether a block's state root was computed from its access list while it executed
/// (<see cref="ChainPipeline.RootFromAccessList"/>), and whether that work stood.
/// </summary>
public enum ListRootOutcome : byte
{
    /// <summary>Not tried: the block had no access list (or it could not be decoded), or the pipeline does not try.</summary>
    None,
    /// <summary>The block made every change its list names: the trie as hashed beside execution is the block's (any other change it made, a write that left its key as it was, applied on top).</summary>
    Used,
    /// <summary>The block's changes differ from its list's: the list's values were taken back out of the trie and the root computed on the block's changes.</summary>
    Discarded,
}
