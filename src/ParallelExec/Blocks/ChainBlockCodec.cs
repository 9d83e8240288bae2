using ParallelExec.AccessLists;
using ParallelExec.Crypto;
using ParallelExec.Execution;

namespace ParallelExec.Blocks;

/// <summary>
/// The payload of a block record: number, beneficiary, expected root, flags, transaction count,
/// optional dependency edges, an optional access list (version 2: varint length, EIP-7928 RLP,
/// 32-byte Keccak-256 of that RLP), then the transactions (type byte, varint length, body).
/// </summary>
internal static class ChainBlockCodec
{
    private const byte HasDependencies = 1;
    private const byte HasAccessList = 2;

    public static void Encode(ChainBlock block, TransactionCodecRegistry registry, ChainBufferWriter writer, ChainBufferWriter scratch)
    {
        var txs = block.Transactions;
        writer.WriteInt64(block.Number);
        writer.WriteAddress(block.Header.Beneficiary);
        writer.WriteHash(block.ExpectedRoot);
        writer.WriteByte((byte)((block.Dependencies is null ? 0 : HasDependencies) | (block.AccessList is null ? 0 : HasAccessList)));
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
        if (block.AccessList is { } accessList)
        {
            if (accessList.MaxIndex > txs.Count)
                throw new ArgumentException($"block {block.Number}: access list index {accessList.MaxIndex} is past its {txs.Count} transactions");
            var rlp = accessList.Encode();
            writer.WriteVarUInt64((ulong)rlp.Length);
            writer.WriteBytes(rlp);
            writer.WriteHash(Keccak256.Compute(rlp));
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

    public static ChainBlock Decode(ReadOnlySpan<byte> payload, long payloadOffset, long? expectedNumber, TransactionCodecRegistry registry,
        ushort version = ChainFormat.Version, bool decodeAccessList = true)
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
        byte known = version >= 2 ? (byte)(HasDependencies | HasAccessList) : HasDependencies;
        if ((flags & ~known) != 0) throw reader.Fail($"unknown block flags 0x{flags:X2}");
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
        BlockAccessList? accessList = null;
        if ((flags & HasAccessList) != 0)
        {
            if (decodeAccessList) accessList = DecodeAccessList(ref reader, count);
            else SkipAccessList(ref reader);
        }
        var txs = new ITransaction[count];
        for (int i = 0; i < count; i++) txs[i] = DecodeTransaction(ref reader, i, number, registry);
        if (!reader.End) throw reader.Fail($"{reader.Remaining} unexpected bytes after the last transaction");
        return new ChainBlock(new Block(new BlockHeader(number, beneficiary), txs), root, dependencies, accessList);
    }

    // The RLP is bounded by the record's bytes, its hash must match, and its indexes must name the block's transactions.
    private static BlockAccessList DecodeAccessList(ref ChainSpanReader reader, int txCount)
    {
        int length = reader.ReadVarInt32(reader.Remaining, "access list length");
        var rlp = reader.ReadBytes(length);
        var stored = reader.ReadHash();
        var computed = Keccak256.Compute(rlp);
        if (!stored.Equals(computed)) throw reader.Fail($"access list hash mismatch (stored {stored}, computed {computed})");
        BlockAccessList list;
        try
        {
            list = BlockAccessList.Decode(rlp);
        }
        catch (BlockAccessListException e)
        {
            throw reader.Fail(e.Message);
        }
        if (list.MaxIndex > txCount) throw reader.Fail($"access list index {list.MaxIndex} is past the block's {txCount} transactions");
        return list;
    }

    // Steps over a list's RLP and hash, checking only that they lie within the record.
    private static void SkipAccessList(ref ChainSpanReader reader)
    {
        int length = reader.ReadVarInt32(reader.Remaining, "access list length");
        reader.ReadBytes(length);
        reader.ReadHash();
    }

    private static ITransaction DecodeTransaction(ref ChainSpanReader reader, int index, long number, TransactionCodecRegistry registry)
    {
        long start = reader.Offset;
        byte type = reader.ReadByte();
        if (!registry.TryGet(type, out var codec)) throw new ChainFormatException($"transaction {index}: unknown transaction type {type}", start, number);
        int length = reader.ReadLength(reader.Remaining, "transaction", index);
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
