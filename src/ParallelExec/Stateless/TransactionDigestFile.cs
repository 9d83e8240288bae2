using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>
/// The per-transaction result digests an operator claims for a block (<see cref="StatelessClaim.TransactionDigests"/>),
/// as a file beside its witness: magic <c>PXTD</c>, u16 version (1), u16 flags (0), i64 block number,
/// u32 count, then count 32-byte digests, then a CRC-32 of everything before it (all little-endian).
/// Read with the witness file's rules: one-line errors naming the byte, the count bounded by the bytes
/// there are.
/// </summary>
public static class TransactionDigestFile
{
    private static ReadOnlySpan<byte> Magic => "PXTD"u8;
    private const ushort Version = 1;
    private const int HeaderLength = 4 + 2 + 2 + 8 + 4;

    /// <summary>Largest file read (two million transactions' digests), checked before anything is read.</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>The file of block <paramref name="blockNumber"/>'s digests.</summary>
    public static byte[] Encode(long blockNumber, IReadOnlyList<Hash256> digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        var bytes = new byte[HeaderLength + digests.Count * Hash256.Size + 4];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), Version);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), blockNumber);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), (uint)digests.Count);
        for (int i = 0; i < digests.Count; i++) digests[i].WriteTo(bytes.AsSpan(HeaderLength + i * Hash256.Size, Hash256.Size));
        int end = bytes.Length - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(end), Crc32.Compute(bytes.AsSpan(0, end)));
        return bytes;
    }

    /// <summary>Decodes a digest file; every problem is a <see cref="WitnessFormatException"/> naming the byte.</summary>
    public static (long BlockNumber, Hash256[] Digests) Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4 || !bytes[..4].SequenceEqual(Magic)) throw Error("not a transaction digest file (bad magic)", 0);
        if (bytes.Length < HeaderLength + 4) throw Error($"truncated: the header needs {HeaderLength + 4} bytes, the file has {bytes.Length}", bytes.Length);
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != Version) throw Error($"unsupported version {version} (this reader knows {Version})", 4);
        if (BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]) != 0) throw Error("unknown flags", 6);
        long number = BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]);
        long expected = HeaderLength + (long)count * Hash256.Size + 4;
        if (expected != bytes.Length) throw Error($"{count} digests need {expected} bytes, the file has {bytes.Length}", 16);
        int end = bytes.Length - 4;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[end..]);
        if (stored != Crc32.Compute(bytes[..end])) throw Error("checksum mismatch", end);
        var digests = new Hash256[count];
        for (int i = 0; i < digests.Length; i++) digests[i] = new Hash256(bytes.Slice(HeaderLength + i * Hash256.Size, Hash256.Size));
        return (number, digests);
    }

    private static WitnessFormatException Error(string problem, long offset) => new("digest file", problem, offset);
}
