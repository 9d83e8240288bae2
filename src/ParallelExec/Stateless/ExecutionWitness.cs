using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>
/// What a verifier without the state database needs to re-execute one block and check it: the
/// pre-state value of every key the block's committed executions read or wrote, the trie nodes that
/// prove those values against the pre-state root (a multiproof: each node once) together with the
/// nodes a post-state root computation must load (the child a deleted key's branch collapses onto),
/// and the code hashes of the contracts involved. Modelled on reth's <c>debug_executionWitness</c>
/// (state nodes, keys, codes); see docs/witnesses.md. Built by <see cref="WitnessBuilder"/>, stored by
/// <see cref="WitnessCodec"/>, checked by <see cref="StatelessVerifier"/>. Immutable by convention.
/// </summary>
public sealed class ExecutionWitness
{
    /// <summary>A witness; the arrays are owned by it from now on.</summary>
    /// <param name="blockNumber">The block it is for.</param>
    /// <param name="preStateRoot">The state root before the block, which the nodes prove the entries against.</param>
    /// <param name="entries">The keys with their pre-state values, ascending by key, each once.</param>
    /// <param name="nodes">Trie nodes (RLP), each once, ascending by hash.</param>
    /// <param name="codes">Code hashes of the accounts in <paramref name="entries"/> that have code, ascending, each once.</param>
    public ExecutionWitness(long blockNumber, Hash256 preStateRoot, WitnessEntry[] entries, byte[][] nodes, Hash256[] codes)
    {
        BlockNumber = blockNumber;
        PreStateRoot = preStateRoot;
        Entries = entries ?? throw new ArgumentNullException(nameof(entries));
        Nodes = nodes ?? throw new ArgumentNullException(nameof(nodes));
        Codes = codes ?? throw new ArgumentNullException(nameof(codes));
    }

    /// <summary>The block the witness is for.</summary>
    public long BlockNumber { get; }

    /// <summary>The state root before the block.</summary>
    public Hash256 PreStateRoot { get; }

    /// <summary>The keys with their pre-state values, ascending by key, each once.</summary>
    public IReadOnlyList<WitnessEntry> Entries { get; }

    /// <summary>Trie nodes (RLP), account trie and storage tries together, each once, ascending by hash.</summary>
    public IReadOnlyList<byte[]> Nodes { get; }

    /// <summary>Code hashes of the contracts among the entries' accounts, ascending, each once.</summary>
    public IReadOnlyList<Hash256> Codes { get; }

    /// <summary>Total bytes of the trie nodes.</summary>
    public long NodeBytes
    {
        get
        {
            long total = 0;
            foreach (var node in Nodes) total += node.Length;
            return total;
        }
    }
}
