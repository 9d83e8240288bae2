using System.Buffers.Binary;
using ParallelExec.Crypto;
using ParallelExec.State;

namespace EmbedInNode;

/// <summary>
/// Stands in for the node's own block hash (a real node passes the hash of its block header).
/// <see cref="ParallelExec.Storage.ChainState"/> records it with the block and never derives
/// anything from it, so any identity the node uses for its blocks will do.
/// </summary>
public static class NodeBlockHash
{
    /// <summary>Keccak-256 of the parent's hash, the block number and the branch it belongs to.</summary>
    public static Hash256 Compute(in Hash256 parent, long number, int branch)
    {
        Span<byte> preimage = stackalloc byte[Hash256.Size + 8 + 4];
        parent.WriteTo(preimage);
        BinaryPrimitives.WriteInt64BigEndian(preimage[Hash256.Size..], number);
        BinaryPrimitives.WriteInt32BigEndian(preimage[(Hash256.Size + 8)..], branch);
        return Keccak256.Compute(preimage);
    }
}
