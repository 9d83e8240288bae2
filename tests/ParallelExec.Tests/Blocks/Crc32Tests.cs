using System.Text;
using ParallelExec.Blocks;

namespace ParallelExec.Tests.Blocks;

/// <summary>The chain file's CRC-32 against the standard check values and a bit-at-a-time reference, whole and in pieces.</summary>
public class Crc32Tests
{
    [Theory]
    [InlineData("", 0x0000_0000u)]
    [InlineData("a", 0xE8B7_BE43u)]
    [InlineData("123456789", 0xCBF4_3926u)] // the CRC-32/ISO-HDLC check value
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414F_A339u)]
    public void Known_values(string text, uint expected) => Assert.Equal(expected, Crc32.Compute(Encoding.ASCII.GetBytes(text)));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_data_in_random_pieces_gives_the_bitwise_reference(int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 200; round++)
        {
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);
            uint expected = Reference(data);
            Assert.True(expected == Crc32.Compute(data), $"seed {seed}, round {round}: {data.Length} bytes in one piece");
            uint crc = Crc32.Start;
            for (int at = 0; at < data.Length;)
            {
                int length = Math.Min(random.Next(0, 20), data.Length - at);
                crc = Crc32.Update(crc, data.AsSpan(at, length));
                at += length;
            }
            Assert.True(expected == Crc32.Finish(crc), $"seed {seed}, round {round}: {data.Length} bytes in pieces");
        }
    }

    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFF_FFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB8_8320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
