using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>
/// The witness file (docs/witnesses.md): magic, version, the block and its pre-state root, the
/// entries, the trie nodes, the code hashes, and a CRC-32 of everything before it. Decoding checks
/// like the chain file's reader: every count and length is bounded by the bytes left before anything
/// is allocated, and every problem is a <see cref="WitnessFormatException"/> with one line naming the
/// byte offset. Decoding checks the syntax only; whether the nodes prove the entries is
/// <see cref="StatelessVerifier"/>'s job.
/// </summary>
public static class WitnessCodec
{
    /// <summary>The first four bytes of a witness file: "PXW" and 0x1A.</summary>
    public static ReadOnlySpan<byte> Magic => "PXW\x1A"u8;

    /// <summary>The format version this library writes and reads.</summary>
    public const ushort Version = 1;

    /// <summary>Largest trie node a witness may hold: a full branch is 532 bytes, the largest leaf far less.</summary>
    public const int MaxNodeBytes = 1024;

    /// <summary>Largest witness file read (a bound on what a hostile file can make the reader allocate).</summary>
    public const int MaxFileBytes = 1 << 30;

    private const int HeaderSize = 4 + 2 + 2 + 8 + Hash256.Size;

    /// <summary>The file's bytes.</summary>
    public static byte[] Encode(ExecutionWitness witness)
    {
        ArgumentNullException.ThrowIfNull(witness);
        using var stream = new MemoryStream((int)Math.Min(HeaderSize + witness.Entries.Count * 40L + witness.NodeBytes + 3L * witness.Nodes.Count + 64, int.MaxValue / 2));
        Write(stream, witness);
        return stream.ToArray();
    }

    /// <summary>
    /// Writes the file's bytes (what <see cref="Encode"/> returns) to <paramref name="destination"/> through
    /// a small buffer: a block's witness is megabytes, and one array of it per block churned the
    /// collector's large-object heap.
    /// </summary>
    public static void Write(Stream destination, ExecutionWitness witness)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(witness);
        var writer = new ChainBufferWriter(ChunkBytes + MaxNodeBytes);
        uint crc = Crc32.Start;
        writer.WriteBytes(Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(writer.GetSpan(2), Version);
        BinaryPrimitives.WriteUInt16LittleEndian(writer.GetSpan(2), 0);
        writer.WriteInt64(witness.BlockNumber);
        writer.WriteHash(witness.PreStateRoot);
        writer.WriteVarUInt64((ulong)witness.Entries.Count);
        foreach (var entry in witness.Entries)
        {
            writer.WriteStateKey(entry.Key);
            writer.WriteBool(entry.Present);
            if (entry.Present) writer.WriteUInt256(entry.Value);
            if (writer.Length >= ChunkBytes) crc = Flush(destination, writer, crc);
        }
        writer.WriteVarUInt64((ulong)witness.Nodes.Count);
        foreach (var node in witness.Nodes)
        {
            writer.WriteVarUInt64((ulong)node.Length);
            writer.WriteBytes(node);
            if (writer.Length >= ChunkBytes) crc = Flush(destination, writer, crc);
        }
        writer.WriteVarUInt64((ulong)witness.Codes.Count);
        foreach (var code in witness.Codes)
        {
            writer.WriteHash(code);
            if (writer.Length >= ChunkBytes) crc = Flush(destination, writer, crc);
        }
        crc = Flush(destination, writer, crc);
        writer.WriteUInt32(Crc32.Finish(crc));
        Flush(destination, writer, crc);
    }

    // Bytes gathered before they go to the stream (under the large-object threshold).
    private const int ChunkBytes = 64 << 10;

    // Writes out what the writer holds, folds it into the running CRC and empties the writer.
    private static uint Flush(Stream destination, ChainBufferWriter writer, uint crc)
    {
        destination.Write(writer.WrittenSpan);
        crc = Crc32.Update(crc, writer.WrittenSpan);
        writer.Clear();
        return crc;
    }

    /// <summary>Reads a witness file's bytes; throws <see cref="WitnessFormatException"/> on any problem.</summary>
    public static ExecutionWitness Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize + 3 + 4) throw new WitnessFormatException($"truncated: {data.Length} bytes, a witness has at least {HeaderSize + 7}", data.Length);
        if (!data[..4].SequenceEqual(Magic)) throw new WitnessFormatException("not a witness file (bad magic)", 0);
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (version != Version) throw new WitnessFormatException($"unsupported version {version} (this reader reads {Version})", 4);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        if (flags != 0) throw new WitnessFormatException($"unknown flags 0x{flags:X4}", 6);
        var body = data[..^4];
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]), computed = Crc32.Compute(body);
        if (stored != computed) throw new WitnessFormatException($"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}): the file is corrupt or cut short", data.Length - 4);
        try
        {
            return DecodeBody(body);
        }
        catch (ChainFormatException e)
        {
            throw new WitnessFormatException(e.Problem, e.Offset, e);
        }
    }

    /// <summary>Reads a witness file; a missing file or a problem in it is an error naming the file.</summary>
    public static ExecutionWitness Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > MaxFileBytes) throw new WitnessFormatException($"the file has {stream.Length} bytes, above the bound {MaxFileBytes}", 0);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Decode(bytes);
    }

    private static ExecutionWitness DecodeBody(ReadOnlySpan<byte> body)
    {
        var reader = new ChainSpanReader(body);
        reader.ReadBytes(8); // magic, version, flags: checked above
        long number = reader.ReadInt64();
        var root = reader.ReadHash();
        int entryCount = reader.ReadCount(Blocks.ChainFormat.KeyPrefixSize + 1, "entry count");
        var entries = new WitnessEntry[entryCount];
        for (int i = 0; i < entryCount; i++)
        {
            long at = reader.Offset;
            var key = reader.ReadStateKey();
            bool present = reader.ReadBool();
            var value = present ? reader.ReadUInt256() : UInt256.Zero;
            if (i > 0 && entries[i - 1].Key.CompareTo(key) >= 0)
                throw new WitnessFormatException($"entry {i} ({key}) is not after entry {i - 1} ({entries[i - 1].Key}): keys must ascend, each once", at);
            entries[i] = new WitnessEntry(key, present, value);
        }
        int nodeCount = reader.ReadCount(2, "node count");
        var nodes = new byte[nodeCount][];
        for (int i = 0; i < nodeCount; i++)
        {
            int length = reader.ReadLength(MaxNodeBytes, "node", i);
            if (length == 0) throw reader.Fail($"node {i} is empty");
            nodes[i] = reader.ReadBytes(length).ToArray();
        }
        int codeCount = reader.ReadCount(Hash256.Size, "code count");
        var codes = new Hash256[codeCount];
        for (int i = 0; i < codeCount; i++) codes[i] = reader.ReadHash();
        if (!reader.End) throw reader.Fail($"{reader.Remaining} bytes after the code hashes");
        return new ExecutionWitness(number, root, entries, nodes, codes);
    }
}
