using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>One line of a block's undo journal: a location the block wrote and what it held before (or that it was absent).</summary>
public readonly record struct JournalEntry(StateKey Key, bool Existed, UInt256 Previous);
