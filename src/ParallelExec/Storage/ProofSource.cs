namespace ParallelExec.Storage;

/// <summary>Where a proof from a store came from (<see cref="ChainState.GetProof(IStateStore, in State.Address, IReadOnlyList{State.UInt256}, out ProofSource, ChainStateOptions?)"/>).</summary>
public enum ProofSource
{
    /// <summary>The store's trie nodes, which are the head's: only the nodes on the proof's paths were read.</summary>
    StoredTrie,
    /// <summary>The stored trie of an earlier checkpoint, brought to the head with the undo journals of the blocks since.</summary>
    StoredTrieAndJournals,
    /// <summary>A trie rebuilt from the whole flat state (no stored trie, or a journal it needed is gone).</summary>
    RebuiltTrie,
}
