using System.Runtime.CompilerServices;

namespace ParallelExec.Trie;

/// <summary>
/// How a parent refers to a node, cached on the node: the Keccak-256 of its RLP when that RLP is
/// 32 bytes or longer, otherwise the RLP itself (inlined in the parent). Length 0 means "not
/// computed yet" (the node is dirty); length 32 is always a hash, a shorter length is raw RLP.
/// </summary>
internal struct NodeReference
{
    public const int HashLength = 32;

    public ReferenceBytes Bytes;
    public byte Length;

    public readonly bool IsComputed => Length != 0;
    public readonly bool IsHash => Length == HashLength;

    /// <summary>Bytes this reference takes inside a parent's RLP.</summary>
    public readonly int EncodedLength => Length == HashLength ? HashLength + 1 : Length;

    [InlineArray(HashLength)]
    public struct ReferenceBytes
    {
        private byte _element0;
    }
}
