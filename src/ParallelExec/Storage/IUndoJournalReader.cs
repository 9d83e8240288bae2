using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// A store that can list what a block's undo journal covers. <see cref="ChainState.Revert"/> uses it
/// to bring the trie back by updating only the keys the undone blocks changed, instead of rebuilding
/// it from the whole flat state.
/// </summary>
public interface IUndoJournalReader
{
    /// <summary>Adds the keys block <paramref name="number"/> changed to <paramref name="keys"/>; false when its journal is not kept.</summary>
    bool TryReadJournalKeys(long number, ICollection<StateKey> keys);
}
