using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Stateless;

/// <summary>
/// The post-state root from a witness alone: the state trie opened over the witness's nodes at the
/// pre-state root (<see cref="StateTrie.Open"/>: the same trie, with the witness as its node source
/// instead of the database), the block's changes applied, the root computed. Only the nodes the
/// update walks are loaded, each checked against its parent's hash; a node the witness lacks is a
/// <see cref="MissingTrieNodeException"/>.
/// </summary>
public sealed class WitnessPostStateRoot : IPostStateRootComputer
{
    /// <inheritdoc/>
    public Hash256 ComputePostStateRoot(in Hash256 preStateRoot, ITrieNodeSource witnessNodes, IStateReader witnessValues, ReadOnlySpan<StateChange> changes)
    {
        ArgumentNullException.ThrowIfNull(witnessNodes);
        ArgumentNullException.ThrowIfNull(witnessValues);
        var trie = StateTrie.Open(witnessNodes, preStateRoot, witnessValues);
        trie.Apply(changes);
        return trie.ComputeRoot();
    }
}
