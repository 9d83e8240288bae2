using System.Text;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Tests.Rlp;

public class RlpTests
{
    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    [Theory]
    [InlineData("", "80")]
    [InlineData("00", "00")]
    [InlineData("7f", "7f")]
    [InlineData("80", "8180")]
    [InlineData("646f67", "83646f67")]
    public void Strings_encode_canonically(string payloadHex, string expectedHex)
    {
        var payload = Convert.FromHexString(payloadHex);
        Assert.Equal(expectedHex, Hex(RlpWriter.EncodeString(payload)));
        Assert.Equal(expectedHex.Length / 2, RlpWriter.LengthOf(payload));
        var reader = new RlpReader(Convert.FromHexString(expectedHex));
        Assert.Equal(payloadHex, Hex(reader.ReadString()));
        reader.EnsureEnd();
    }

    [Fact]
    public void Long_strings_use_the_long_form()
    {
        var text = Encoding.ASCII.GetBytes("Lorem ipsum dolor sit amet, consectetur adipisicing elit");
        var encoded = RlpWriter.EncodeString(text);
        Assert.Equal("b838", Hex(encoded.AsSpan(0, 2)));
        Assert.Equal(text, new RlpReader(encoded).ReadString().ToArray());

        var big = new byte[1024];
        var bigEncoded = RlpWriter.EncodeString(big);
        Assert.Equal("b90400", Hex(bigEncoded.AsSpan(0, 3)));
        Assert.Equal(1027, bigEncoded.Length);
    }

    [Fact]
    public void Lists_nest()
    {
        // [ [], [[]], [ [], [[]] ] ] = c7c0c1c0c3c0c1c0 (the set-theoretic three)
        var empty = RlpWriter.EncodeList();
        var one = RlpWriter.EncodeList(empty);
        var two = RlpWriter.EncodeList(empty, one);
        Assert.Equal("c7c0c1c0c3c0c1c0", Hex(RlpWriter.EncodeList(empty, one, two)));
        var cat = RlpWriter.EncodeString(Encoding.ASCII.GetBytes("cat"));
        var dog = RlpWriter.EncodeString(Encoding.ASCII.GetBytes("dog"));
        Assert.Equal("c88363617483646f67", Hex(RlpWriter.EncodeList(cat, dog)));

        var reader = new RlpReader(RlpWriter.EncodeList(cat, dog));
        var list = reader.ReadList();
        Assert.Equal("cat", Encoding.ASCII.GetString(list.ReadString()));
        Assert.Equal("dog", Encoding.ASCII.GetString(list.ReadString()));
        list.EnsureEnd();
        reader.EnsureEnd();
    }

    [Theory]
    [InlineData(0UL, "80")]
    [InlineData(15UL, "0f")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "8180")]
    [InlineData(1024UL, "820400")]
    [InlineData(ulong.MaxValue, "88ffffffffffffffff")]
    public void Integers_drop_leading_zeros(ulong value, string expectedHex)
    {
        Span<byte> buffer = stackalloc byte[40];
        int written = RlpWriter.Write(buffer, value);
        Assert.Equal(expectedHex, Hex(buffer[..written]));
        Assert.Equal(written, RlpWriter.LengthOf(value));
        written = RlpWriter.Write(buffer, new UInt256(value));
        Assert.Equal(expectedHex, Hex(buffer[..written]));
        Assert.Equal(written, RlpWriter.LengthOf(new UInt256(value)));
        Assert.Equal(value, new RlpReader(buffer[..written]).ReadUInt64());
    }

    [Fact]
    public void Wide_integers_round_trip()
    {
        var value = UInt256.Parse("0x0100000000000000000000000000000000000000000000000000000000000000");
        Span<byte> buffer = stackalloc byte[40];
        int written = RlpWriter.Write(buffer, value);
        Assert.Equal(33, written);
        Assert.Equal(0xa0, buffer[0]);
        Assert.Equal(value, new RlpReader(buffer[..written]).ReadUInt256());

        var max = UInt256.MaxValue;
        written = RlpWriter.Write(buffer, max);
        Assert.Equal(max, new RlpReader(buffer[..written]).ReadUInt256());
    }

    [Theory]
    [InlineData("8100")]      // single byte below 0x80 wrapped in a header
    [InlineData("820001")]    // integer with a leading zero (rejected by ReadUInt64)
    [InlineData("b801ff")]    // long form for a short payload
    [InlineData("83aabb")]    // runs past the end
    [InlineData("")]          // nothing
    public void Malformed_input_is_rejected(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.Throws<RlpException>(() => new RlpReader(bytes).ReadUInt64());
    }
}
