using System.Buffers.Binary;
using ParallelExec.Blocks;

namespace ParallelExec.Testing;

/// <summary>Chain files of older format versions, made from one this build wrote.</summary>
internal static class OlderChainFiles
{
    /// <summary>
    /// The same file in format <paramref name="version"/> (1 or 2): the version in its header, the
    /// starting state's checksum recomputed, and the end record without the first block's offset and the
    /// genesis's digest that version 3 added.
    /// </summary>
    public static byte[] AsVersion(byte[] file, ushort version)
    {
        int crcAt;
        using (var reader = new ChainReader(new MemoryStream(file))) crcAt = (int)reader.Offset - 4;
        int endAt = file.Length - ChainFormat.EndRecordSize(ChainFormat.Version);
        var bytes = file.AsSpan(0, endAt + ChainFormat.EndRecordSize(version)).ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), version);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(crcAt), Crc32.Compute(bytes.AsSpan(0, crcAt)));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(endAt, 9)));
        return bytes;
    }
}
