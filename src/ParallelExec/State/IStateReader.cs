namespace ParallelExec.State;

/// <summary>
/// Read access to a committed world state: the state a block starts from. Implementations must be
/// safe for concurrent reads (the parallel executor reads from all workers at once).
/// A location that was never written reads as zero.
/// </summary>
public interface IStateReader
{
    /// <summary>Returns true and the value when the location exists in the state.</summary>
    bool TryGet(in StateKey key, out UInt256 value);
}
