namespace ParallelExec.Storage;

/// <summary>How a <see cref="ChainState"/> hashes and what it persists.</summary>
public sealed record ChainStateOptions
{
    /// <summary>Threads for hashing the state trie (rebuild on open and each block's root).</summary>
    public int RootParallelism { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Write the trie nodes each block hashed (and the genesis trie) to the store.</summary>
    public bool PersistTrieNodes { get; init; } = true;

    public static ChainStateOptions Default { get; } = new();
}
