using System.Buffers.Binary;

namespace ParallelExec.Blocks;

/// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of every chain-file record.</summary>
public static class Crc32
{
    // Eight tables of 256 (slicing by eight): table k gives a byte's contribution k bytes further on,
    // so eight bytes fold in with eight independent lookups instead of a chain of eight. Byte at a
    // time, checking a chain file's 1 GB genesis (10 M accounts and 10 M slots) took seconds.
    private static readonly uint[] Tables = BuildTables();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Start, data));

    /// <summary>The running value to start an incremental computation with.</summary>
    public const uint Start = 0xFFFF_FFFFu;

    /// <summary>Folds <paramref name="data"/> into a running value.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        var t = Tables.AsSpan();
        while (data.Length >= 8)
        {
            uint low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[7 * 256 + (int)(low & 0xFF)] ^ t[6 * 256 + (int)((low >> 8) & 0xFF)]
                ^ t[5 * 256 + (int)((low >> 16) & 0xFF)] ^ t[4 * 256 + (int)(low >> 24)]
                ^ t[3 * 256 + (int)(high & 0xFF)] ^ t[2 * 256 + (int)((high >> 8) & 0xFF)]
                ^ t[256 + (int)((high >> 16) & 0xFF)] ^ t[(int)(high >> 24)];
            data = data[8..];
        }
        foreach (byte b in data) crc = t[(int)((crc ^ b) & 0xFF)] ^ (crc >> 8);
        return crc;
    }

    /// <summary>The checksum of a running value.</summary>
    public static uint Finish(uint crc) => ~crc;

    private static uint[] BuildTables()
    {
        var tables = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            tables[i] = c;
        }
        for (int k = 1; k < 8; k++)
        {
            for (int i = 0; i < 256; i++)
            {
                uint previous = tables[(k - 1) * 256 + i];
                tables[k * 256 + i] = (previous >> 8) ^ tables[(int)(previous & 0xFF)];
            }
        }
        return tables;
    }
}
