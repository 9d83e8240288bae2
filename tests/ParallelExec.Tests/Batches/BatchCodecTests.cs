using System.Numerics;
using ParallelExec.Batches;
using ParallelExec.Blocks;
using ParallelExec.State;

namespace ParallelExec.Tests.Batches;

public class BatchCodecTests
{
    public static TheoryData<string> Values() =>
        new() { "0", "1", "127", "128", "16383", "16384", "18446744073709551615", "18446744073709551616",
                "115792089237316195423570985008687907853269984665640564039457584007913129639935" };

    [Theory]
    [MemberData(nameof(Values))]
    public void Leb128_round_trips_64_and_256_bit_values_minimally(string text)
    {
        var value = UInt256.Parse(text);
        var writer = new ChainBufferWriter();
        Leb128.Write(writer, value);
        int expectedLength = Math.Max(1, (int)Math.Ceiling(value.ToBigInteger().GetBitLength() / 7.0));
        Assert.Equal(expectedLength, writer.Length);
        Assert.Equal(writer.Length, Leb128.TryRead(writer.WrittenSpan, 256, out var back));
        Assert.Equal(value, back);
        if (value.FitsInUInt64) Assert.Equal(Leb128.Size(value.U0), writer.Length);
        else Assert.Equal((int)Leb128Error.Overflow, Leb128.TryRead(writer.WrittenSpan, 64, out _));
    }

    [Fact]
    public void Leb128_rejects_padding_overflow_and_truncation()
    {
        Assert.Equal((int)Leb128Error.Padded, Leb128.TryRead([0x80, 0x00], 64, out _));
        Assert.Equal((int)Leb128Error.Truncated, Leb128.TryRead([0x80, 0x80], 64, out _));
        Assert.Equal((int)Leb128Error.Overflow, Leb128.TryRead([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], 64, out _));
        Assert.Equal((int)Leb128Error.TooLong, Leb128.TryRead([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 64, out _));
        var max = Enumerable.Repeat((byte)0xFF, 36).Append((byte)0x0F).ToArray(); // 36·7 + 4 = 256 bits
        Assert.Equal(37, Leb128.TryRead(max, 256, out var value));
        Assert.Equal(UInt256.MaxValue, value);
        max[^1] = 0x1F;
        Assert.Equal((int)Leb128Error.Overflow, Leb128.TryRead(max, 256, out _));
    }

    [Fact]
    public void Scaled_decimals_take_the_largest_exponent_and_are_exact()
    {
        Assert.Equal(new ScaledDecimal(5, 18), ScaledDecimal.Of(UInt256.Parse("5000000000000000000")));
        Assert.Equal(new ScaledDecimal(123_456, 0), ScaledDecimal.Of(123_456));
        Assert.Equal(new ScaledDecimal(0, 0), ScaledDecimal.Of(UInt256.Zero));
        var tenTo77 = UInt256.FromBigInteger(BigInteger.Pow(10, 77));
        Assert.Equal(new ScaledDecimal(1, 77), ScaledDecimal.Of(tenTo77));
        Assert.Equal(new ScaledDecimal(UInt256.MaxValue, 0), ScaledDecimal.Of(UInt256.MaxValue));
        Assert.True(new ScaledDecimal(1, 77).TryGetValue(out _));
        Assert.False(new ScaledDecimal(2, 77).TryGetValue(out _)); // 2·10^77 > 2^256
        Assert.True(new ScaledDecimal(12, 5).IsCanonical);
        Assert.False(new ScaledDecimal(120, 5).IsCanonical); // 12·10^6 has one form only
        Assert.False(new ScaledDecimal(0, 3).IsCanonical);
        Assert.False(new ScaledDecimal(UInt256.MaxValue, 1).TryGetValue(out _));
    }

    [Fact]
    public void The_table_orders_addresses_by_use_and_keeps_directory_accounts_out_when_direct_is_shorter()
    {
        var state = new InMemoryState();
        for (int i = 0; i < 1000; i++) state.Set(StateKey.Balance(Address.FromNumber((ulong)i, 1)), 1);
        var directory = AccountDirectory.FromState(state);
        var hot = Address.FromNumber(999, 1);
        var fresh = Address.FromNumber(5, 0xF0);
        var uses = new Dictionary<Address, int> { [hot] = 50, [fresh] = 1, [Address.FromNumber(3, 1)] = 1, [Address.FromNumber(998, 1)] = 2 };
        var table = AddressTable.Build(uses, directory);
        Assert.Equal([hot, fresh], table.Entries); // the once-used genesis accounts are named directly
        Assert.Equal(0UL, table.ReferenceOf(hot));
        Assert.Equal(2UL, table.ReferenceOf(fresh));
        Assert.True(directory.TryGetPosition(Address.FromNumber(3, 1), out int position));
        Assert.Equal(AddressTable.DirectoryReference(position), table.ReferenceOf(Address.FromNumber(3, 1)));
        Assert.Equal(Address.FromNumber(3, 1), table.Resolve(table.ReferenceOf(Address.FromNumber(3, 1))));
        Assert.Null(table.Resolve(AddressTable.TableReference(2)));
        Assert.Null(table.Resolve(AddressTable.DirectoryReference(1000)));
        Assert.Throws<ArgumentException>(() => table.ReferenceOf(Address.FromNumber(6, 0xF0)));
        // Without a directory every address is in the table: most used first, ties in address order.
        Assert.Equal([hot, Address.FromNumber(998, 1), Address.FromNumber(3, 1), fresh], AddressTable.Build(uses, null).Entries);
    }
}
