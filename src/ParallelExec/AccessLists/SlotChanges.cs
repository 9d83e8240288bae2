using ParallelExec.State;

namespace ParallelExec.AccessLists;

/// <summary>Every change a block made to one storage slot, by ascending block access index.</summary>
/// <param name="Slot">The storage slot.</param>
/// <param name="Changes">The slot's post-values, one per transaction that changed it, ascending by index.</param>
public sealed record SlotChanges(UInt256 Slot, AccessListChange[] Changes);
