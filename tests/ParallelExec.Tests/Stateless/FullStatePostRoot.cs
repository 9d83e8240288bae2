using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Stateless;

/// <summary>
/// TEST DOUBLE for the post-state root step: it ignores the witness and computes the root from the
/// full pre-state it was given, so the verifier's other steps and its root comparison can be tested
/// before the trie can open lazily over a witness's nodes. Never a production implementation.
/// </summary>
internal sealed class FullStatePostRoot(InMemoryState fullPreState) : IPostStateRootComputer
{
    public Hash256 ComputePostStateRoot(in Hash256 preStateRoot, ITrieNodeSource witnessNodes, IStateReader witnessValues, ReadOnlySpan<StateChange> changes)
    {
        var trie = StateTrie.FromState(fullPreState.Entries);
        if (trie.Root != preStateRoot) throw new InvalidOperationException("the test double was given another pre-state");
        trie.Apply(changes);
        return trie.ComputeRoot();
    }
}
