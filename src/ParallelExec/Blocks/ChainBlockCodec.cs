using ParallelExec.Execution;

namespace ParallelExec.Blocks;

/// <summary>
/// The payload of a block record: number, beneficiary, expected root, flags, transaction count,
/// optional dependency edges, then the transactions (type byte, varint length, body).
/// </summary>
internal static class ChainBlockCodec
{
    private const byte HasDependencies = 1;

    public static void Encode(ChainBlock block, TransactionCodecRegistry registry, ChainBufferWriter writer, ChainBufferWriter scratch)
    {
        var txs = block.Transactions;
        writer.WriteInt64(block.Number);
        writer.WriteAddress(block.Header.Beneficiary);
        writer.WriteHash(block.ExpectedRoot);
        writer.WriteByte(block.Dependencies is null ? (byte)0 : HasDependencies);
        writer.WriteVarUInt64((ulong)txs.Count);
        if (block.Dependencies is { } edges)
        {
            writer.WriteVarUInt64((ulong)edges.Count);
            foreach (var (from, to) in edges)
            {
                if (from < 0 || from >= to || to >= txs.Count)
                    throw new ArgumentException($"block {block.Number}: dependency edge {from} -> {to} is not a forward edge between its {txs.Count} transactions");
                writer.WriteVarUInt64((ulong)from);
                writer.WriteVarUInt64((ulong)to);
            }
        }
        foreach (var tx in txs)
        {
            var codec = registry.For(tx);
            scratch.Clear();
            codec.Encode(tx, scratch);
            writer.WriteByte(codec.TypeId);
            writer.WriteVarUInt64((ulong)scratch.Length);
            writer.WriteBytes(scratch.WrittenSpan);
        }
    }

    public static ChainBlock Decode(ReadOnlySpan<byte> payload, long payloadOffset, long? expectedNumber, TransactionCodecRegistry registry)
    {
        long reportedNumber = expectedNumber ?? (payload.Length >= 8 ? BitConverter.ToInt64(payload[..8]) : 0);
        var reader = new ChainSpanReader(payload, payloadOffset, reportedNumber);
        long number = reader.ReadInt64();
        if (expectedNumber is { } expected && number != expected)
            throw reader.Fail($"block number {number} out of order (expected {expected})");
        if (number < 0) throw reader.Fail($"negative block number {number}");
        var beneficiary = reader.ReadAddress();
        var root = reader.ReadHash();
        byte flags = reader.ReadByte();
        if ((flags & ~HasDependencies) != 0) throw reader.Fail($"unknown block flags 0x{flags:X2}");
        int count = reader.ReadCount(ChainFormat.MinTransactionSize, "transaction count");
        List<(int From, int To)>? dependencies = null;
        if ((flags & HasDependencies) != 0)
        {
            int edges = reader.ReadCount(2, "dependency edge count");
            dependencies = new List<(int, int)>(edges);
            for (int i = 0; i < edges; i++)
            {
                int from = reader.ReadVarInt32(int.MaxValue, "edge source");
                int to = reader.ReadVarInt32(int.MaxValue, "edge target");
                if (from >= to || to >= count)
                    throw reader.Fail($"dependency edge {from} -> {to} is not a forward edge between its {count} transactions");
                dependencies.Add((from, to));
            }
        }
        var txs = new ITransaction[count];
        for (int i = 0; i < count; i++) txs[i] = DecodeTransaction(ref reader, i, number, registry);
        if (!reader.End) throw reader.Fail($"{reader.Remaining} unexpected bytes after the last transaction");
        return new ChainBlock(new Block(new BlockHeader(number, beneficiary), txs), root, dependencies);
    }

    private static ITransaction DecodeTransaction(ref ChainSpanReader reader, int index, long number, TransactionCodecRegistry registry)
    {
        long start = reader.Offset;
        byte type = reader.ReadByte();
        if (!registry.TryGet(type, out var codec)) throw new ChainFormatException($"transaction {index}: unknown transaction type {type}", start, number);
        int length = reader.ReadVarInt32(reader.Remaining, $"transaction {index} length");
        long bodyOffset = reader.Offset;
        var body = new ChainSpanReader(reader.ReadBytes(length), bodyOffset, number);
        ITransaction tx;
        try
        {
            tx = codec.Decode(ref body);
        }
        catch (ChainFormatException e)
        {
            throw new ChainFormatException($"transaction {index} ({codec.TransactionType.Name}): {e.Problem}", e.Offset, number, e);
        }
        catch (Exception e)
        {
            throw new ChainFormatException($"transaction {index} ({codec.TransactionType.Name}): invalid: {e.Message}", start, number, e);
        }
        if (tx is null) throw new ChainFormatException($"transaction {index}: codec returned nothing", start, number);
        if (!body.End) throw new ChainFormatException($"transaction {index} ({codec.TransactionType.Name}): {body.Remaining} bytes left over", body.Offset, number);
        return tx;
    }
}
