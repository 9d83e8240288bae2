using ParallelExec.Blocks;
using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The identity of a block as a state store records it: Keccak-256 of its chain-file encoding (header
/// and transactions) without what a recording run adds (state root, dependency graph, access list), so a block
/// hashes the same before and after <c>parallelexec record</c>.
/// </summary>
public static class BlockHash
{
    /// <summary>The hash of <paramref name="block"/> without its recorded root and dependency graph.</summary>
    public static Hash256 Compute(ChainBlock block, TransactionCodecRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        var bare = block.HasExpectedRoot || block.Dependencies is not null || block.AccessList is not null ? new ChainBlock(block.Block) : block;
        var writer = new ChainBufferWriter(4096);
        var scratch = new ChainBufferWriter(256);
        ChainBlockCodec.Encode(bare, registry ?? TransactionCodecRegistry.Default, writer, scratch);
        return Keccak256.Compute(writer.WrittenSpan);
    }
}
