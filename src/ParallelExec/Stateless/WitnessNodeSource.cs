using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Stateless;

/// <summary>
/// A witness's trie nodes as an <see cref="ITrieNodeSource"/>: found by hash alone (a witness lists
/// nodes without their place, as reth's does; a node is correct wherever its hash is referenced).
/// Read-only after construction, so safe from several threads.
/// </summary>
public sealed class WitnessNodeSource : ITrieNodeSource
{
    private readonly Dictionary<Hash256, byte[]> _nodes;

    private WitnessNodeSource(Dictionary<Hash256, byte[]> nodes) => _nodes = nodes;

    /// <summary>Hashes the witness's nodes; a node listed twice is the witness's fault, named in <paramref name="problem"/>.</summary>
    public static WitnessNodeSource? TryCreate(ExecutionWitness witness, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(witness);
        var nodes = new Dictionary<Hash256, byte[]>(witness.Nodes.Count);
        for (int i = 0; i < witness.Nodes.Count; i++)
        {
            var hash = Keccak256.Compute(witness.Nodes[i]);
            if (!nodes.TryAdd(hash, witness.Nodes[i]))
            {
                problem = $"node {i} ({hash}) is listed twice: a witness lists each node once";
                return null;
            }
        }
        problem = null;
        return new WitnessNodeSource(nodes);
    }

    /// <summary>Nodes held.</summary>
    public int Count => _nodes.Count;

    /// <inheritdoc/>
    public bool TryGetNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, in Hash256 hash, out byte[] rlp)
    {
        if (_nodes.TryGetValue(hash, out var found))
        {
            rlp = found;
            return true;
        }
        rlp = [];
        return false;
    }
}
