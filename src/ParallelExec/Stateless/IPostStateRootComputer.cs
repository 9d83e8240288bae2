using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Stateless;

/// <summary>
/// The post-state root step of stateless verification: the state root after applying a block's
/// final changes to the pre-state, computed from the witness alone (its trie nodes, loaded lazily
/// as the update walks them, and its values for the account fields). It must throw
/// <see cref="MissingTrieNodeException"/> when the walk needs a node the witness lacks.
/// </summary>
public interface IPostStateRootComputer
{
    /// <summary>
    /// The root after <paramref name="changes"/> over the state with root <paramref name="preStateRoot"/>,
    /// whose nodes come from <paramref name="witnessNodes"/> and whose flat values from <paramref name="witnessValues"/>.
    /// </summary>
    Hash256 ComputePostStateRoot(in Hash256 preStateRoot, ITrieNodeSource witnessNodes, IStateReader witnessValues, ReadOnlySpan<StateChange> changes);
}
