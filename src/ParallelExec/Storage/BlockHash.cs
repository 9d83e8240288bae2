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
    // The encoding's buffers, kept by each thread that hashes blocks: a block of 10,000 transfers
    // encodes to ~2 MB, and a buffer grown by doubling for every block (a replay hashes each one)
    // was ~8 MB of large-object garbage a block, which set off most of a replay's full collections.
    [ThreadStatic] private static ChainBufferWriter? t_writer;
    [ThreadStatic] private static ChainBufferWriter? t_scratch;

    /// <summary>The hash of <paramref name="block"/> without its recorded root and dependency graph.</summary>
    public static Hash256 Compute(ChainBlock block, TransactionCodecRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        var bare = block.HasExpectedRoot || block.Dependencies is not null || block.AccessList is not null ? new ChainBlock(block.Block) : block;
        var writer = t_writer ??= new ChainBufferWriter(4096);
        var scratch = t_scratch ??= new ChainBufferWriter(256);
        writer.Clear();
        scratch.Clear();
        ChainBlockCodec.Encode(bare, registry ?? TransactionCodecRegistry.Default, writer, scratch);
        return Keccak256.Compute(writer.WrittenSpan);
    }
}
