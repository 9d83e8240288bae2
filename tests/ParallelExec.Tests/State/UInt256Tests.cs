using System.Numerics;
using ParallelExec.State;

namespace ParallelExec.Tests.State;

public sealed class UInt256Tests
{
    private static readonly BigInteger TwoTo64 = BigInteger.One << 64;
    private static readonly BigInteger TwoTo128 = BigInteger.One << 128;
    private static readonly BigInteger TwoTo256 = BigInteger.One << 256;
    private static readonly UInt256 Pow64 = new(0, 1);
    private static readonly UInt256 Pow128 = new(0, 0, 1);
    private static readonly UInt256 Pow192 = new(0, 0, 0, 1);
    private static readonly UInt256 Max128 = new(ulong.MaxValue, ulong.MaxValue);

    [Fact]
    public void Add_carries_across_the_64_and_128_bit_limbs()
    {
        Assert.True(UInt256.TryAdd(ulong.MaxValue, UInt256.One, out var sum64));
        Assert.Equal(Pow64, sum64);
        Assert.True(UInt256.TryAdd(Max128, UInt256.One, out var sum128));
        Assert.Equal(Pow128, sum128);
        Assert.True(UInt256.TryAdd(new UInt256(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue), UInt256.One, out var sum192));
        Assert.Equal(Pow192, sum192);
    }

    [Fact]
    public void Add_reports_overflow_past_2_pow_256()
    {
        Assert.True(UInt256.TryAdd(UInt256.MaxValue, UInt256.Zero, out var same));
        Assert.Equal(UInt256.MaxValue, same);
        Assert.False(UInt256.TryAdd(UInt256.MaxValue, UInt256.One, out _));
        Assert.False(UInt256.TryAdd(Pow192 + new UInt256(0, 0, 0, 1UL << 62) + new UInt256(0, 0, 0, 1UL << 62), new UInt256(0, 0, 0, 1UL << 63), out _));
        Assert.Throws<OverflowException>(() => UInt256.MaxValue + UInt256.One);
        Assert.Equal(UInt256.MaxValue, (UInt256.MaxValue - UInt256.One) + UInt256.One);
    }

    [Fact]
    public void Subtract_borrows_across_limbs_and_reports_underflow()
    {
        Assert.True(UInt256.TrySubtract(Pow64, UInt256.One, out var d64));
        Assert.Equal(new UInt256(ulong.MaxValue), d64);
        Assert.True(UInt256.TrySubtract(Pow128, UInt256.One, out var d128));
        Assert.Equal(Max128, d128);
        Assert.True(UInt256.TrySubtract(UInt256.MaxValue, UInt256.MaxValue, out var zero));
        Assert.True(zero.IsZero);
        Assert.False(UInt256.TrySubtract(UInt256.Zero, UInt256.One, out _));
        Assert.False(UInt256.TrySubtract(Pow128, Pow128 + UInt256.One, out _));
        Assert.False(UInt256.TrySubtract(Pow64, new UInt256(0, 1, 0, 1), out _));
        Assert.Throws<OverflowException>(() => UInt256.Zero - UInt256.One);
    }

    [Fact]
    public void Multiply_by_64_bit_factor_detects_overflow_at_2_pow_256()
    {
        Assert.True(UInt256.TryMultiply(new UInt256(ulong.MaxValue), ulong.MaxValue, out var square));
        Assert.Equal(new UInt256(1, ulong.MaxValue - 1), square); // (2^64-1)^2 = 2^128 - 2^65 + 1
        Assert.True(UInt256.TryMultiply(UInt256.MaxValue, 1, out var same));
        Assert.Equal(UInt256.MaxValue, same);
        Assert.True(UInt256.TryMultiply(UInt256.MaxValue, 0, out var zero));
        Assert.True(zero.IsZero);
        Assert.False(UInt256.TryMultiply(UInt256.MaxValue, 2, out _));
        Assert.False(UInt256.TryMultiply(new UInt256(0, 0, 0, 1UL << 63), 2, out _)); // 2^255 * 2
        Assert.True(UInt256.TryMultiply(new UInt256(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, long.MaxValue), 2, out var almost));
        Assert.Equal(UInt256.MaxValue - UInt256.One, almost);
        Assert.True(UInt256.TryMultiply(Pow192, 1UL << 63, out var top));
        Assert.Equal(new UInt256(0, 0, 0, 1UL << 63), top);
        // Overflow visible only through the carry into the top limb (the top limb's own high half is zero).
        Assert.False(UInt256.TryMultiply(new UInt256(0, 0, 2, 1), ulong.MaxValue, out _));
    }

    [Fact]
    public void Arithmetic_matches_BigInteger_on_boundary_values()
    {
        var values = BoundaryValues();
        ulong[] factors = [0, 1, 2, 3, ulong.MaxValue, ulong.MaxValue - 1, 1UL << 63, 1UL << 32, 0xFFFF_FFFF];
        foreach (var a in values)
        {
            var ba = a.ToBigInteger();
            foreach (var b in values)
            {
                var bb = b.ToBigInteger();
                bool addOk = UInt256.TryAdd(a, b, out var sum);
                Assert.Equal(ba + bb < TwoTo256, addOk);
                if (addOk) Assert.Equal(ba + bb, sum.ToBigInteger());
                bool subOk = UInt256.TrySubtract(a, b, out var diff);
                Assert.Equal(ba >= bb, subOk);
                if (subOk) Assert.Equal(ba - bb, diff.ToBigInteger());
                Assert.Equal(ba.CompareTo(bb), Math.Sign(a.CompareTo(b)));
                Assert.Equal(ba == bb, a == b);
                Assert.Equal(ba < bb, a < b);
                Assert.Equal(ba >= bb, a >= b);
            }
            foreach (var f in factors)
            {
                var product = ba * f;
                bool ok = UInt256.TryMultiply(a, f, out var p);
                Assert.Equal(product < TwoTo256, ok);
                if (ok) Assert.Equal(product, p.ToBigInteger());
            }
        }
    }

    [Fact]
    public void Ordering_is_by_the_most_significant_limb_first()
    {
        UInt256[] ascending =
        [
            UInt256.Zero, UInt256.One, new UInt256(ulong.MaxValue), Pow64, Pow64 + UInt256.One,
            new UInt256(ulong.MaxValue, ulong.MaxValue), Pow128, new UInt256(ulong.MaxValue, 0, 1),
            Pow192, new UInt256(0, 0, 0, 2), UInt256.MaxValue,
        ];
        for (int i = 0; i < ascending.Length; i++)
        for (int j = 0; j < ascending.Length; j++)
            Assert.Equal(i.CompareTo(j), Math.Sign(ascending[i].CompareTo(ascending[j])));
        var shuffled = ascending.Reverse().ToList();
        shuffled.Sort();
        Assert.Equal(ascending, shuffled);
    }

    [Fact]
    public void Big_endian_round_trip_and_byte_layout()
    {
        var value = new UInt256(0x0102030405060708, 0x1112131415161718, 0x2122232425262728, 0x3132333435363738);
        var bytes = new byte[32];
        value.WriteBigEndian(bytes);
        Assert.Equal(0x31, bytes[0]);
        Assert.Equal(0x38, bytes[7]);
        Assert.Equal(0x21, bytes[8]);
        Assert.Equal(0x01, bytes[24]);
        Assert.Equal(0x08, bytes[31]);
        Assert.Equal(value, UInt256.FromBigEndian(bytes));
        foreach (var v in BoundaryValues())
        {
            var b = new byte[32];
            v.WriteBigEndian(b);
            Assert.Equal(v, UInt256.FromBigEndian(b));
            Assert.Equal(v, UInt256.FromBigEndian(b.AsSpan(32 - v.ByteLength)));
        }
    }

    [Fact]
    public void FromBigEndian_left_pads_short_input_and_rejects_more_than_32_bytes()
    {
        Assert.Equal(new UInt256(0x0102), UInt256.FromBigEndian([0x01, 0x02]));
        Assert.Equal(UInt256.Zero, UInt256.FromBigEndian([]));
        Assert.Equal(Pow64, UInt256.FromBigEndian([1, 0, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<ArgumentException>(() => UInt256.FromBigEndian(new byte[33]));
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("1", "1")]
    [InlineData("18446744073709551615", "18446744073709551615")]
    [InlineData("18446744073709551616", "18446744073709551616")]
    [InlineData("0x10000000000000000", "18446744073709551616")]
    [InlineData("0XfF", "255")]
    [InlineData("0xAbCdEf", "11259375")]
    [InlineData("  42  ", "42")]
    [InlineData("115792089237316195423570985008687907853269984665640564039457584007913129639935", "115792089237316195423570985008687907853269984665640564039457584007913129639935")]
    [InlineData("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "115792089237316195423570985008687907853269984665640564039457584007913129639935")]
    [InlineData("0x8000000000000000000000000000000000000000000000000000000000000000", "57896044618658097711785492504343953926634992332820282019728792003956564819968")]
    public void Parse_accepts_decimal_and_hex(string text, string expectedDecimal)
    {
        Assert.True(UInt256.TryParse(text, out var value));
        Assert.Equal(BigInteger.Parse(expectedDecimal), value.ToBigInteger());
        Assert.Equal(value, UInt256.Parse(text));
        Assert.Equal(expectedDecimal, value.ToString());
    }

    [Theory]
    [InlineData("115792089237316195423570985008687907853269984665640564039457584007913129639936")] // 2^256
    [InlineData("0x10000000000000000000000000000000000000000000000000000000000000000")] // 2^256 in hex
    [InlineData("-1")]
    [InlineData("-0x1")]
    [InlineData("0x-1")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("12a")]
    [InlineData("0xg1")]
    [InlineData("1.5")]
    [InlineData("1 000")]
    public void Parse_rejects_out_of_range_negative_and_malformed_input(string text)
    {
        Assert.False(UInt256.TryParse(text, out var value));
        Assert.True(value.IsZero);
        Assert.Throws<FormatException>(() => UInt256.Parse(text));
    }

    [Fact]
    public void TryParse_of_null_is_false()
    {
        Assert.False(UInt256.TryParse(null, out _));
    }

    [Fact]
    public void ByteLength_is_the_minimal_big_endian_length()
    {
        Assert.Equal(0, UInt256.Zero.ByteLength);
        Assert.Equal(1, UInt256.One.ByteLength);
        Assert.Equal(1, new UInt256(0xFF).ByteLength);
        Assert.Equal(2, new UInt256(0x100).ByteLength);
        Assert.Equal(8, new UInt256(ulong.MaxValue).ByteLength);
        Assert.Equal(9, Pow64.ByteLength);
        Assert.Equal(16, Max128.ByteLength);
        Assert.Equal(17, Pow128.ByteLength);
        Assert.Equal(25, Pow192.ByteLength);
        Assert.Equal(32, UInt256.MaxValue.ByteLength);
        foreach (var v in BoundaryValues())
            Assert.Equal(v.IsZero ? 0 : v.ToBigInteger().ToByteArray(isUnsigned: true, isBigEndian: true).Length, v.ByteLength);
    }

    [Fact]
    public void Narrowing_conversions_and_hex_string()
    {
        Assert.Equal(ulong.MaxValue, (ulong)new UInt256(ulong.MaxValue));
        Assert.Throws<OverflowException>(() => (ulong)Pow64);
        Assert.Equal(UInt128.MaxValue, (UInt128)Max128);
        Assert.Throws<OverflowException>(() => (UInt128)Pow128);
        Assert.Equal(Max128, UInt256.FromUInt128(UInt128.MaxValue));
        Assert.True(Pow64.FitsInUInt128);
        Assert.False(Pow64.FitsInUInt64);
        Assert.Equal("0x0", UInt256.Zero.ToHexString());
        Assert.Equal("0x100", new UInt256(256).ToHexString());
        Assert.Equal("0x10000000000000000", Pow64.ToHexString());
        Assert.Throws<OverflowException>(() => UInt256.FromBigInteger(TwoTo256));
        Assert.Throws<OverflowException>(() => UInt256.FromBigInteger(BigInteger.MinusOne));
        Assert.Equal(Pow128, UInt256.FromBigInteger(TwoTo128));
        Assert.Equal(Pow64, UInt256.FromBigInteger(TwoTo64));
    }

    private static List<UInt256> BoundaryValues()
    {
        var values = new List<UInt256> { UInt256.Zero, UInt256.One, new(2), UInt256.MaxValue, UInt256.MaxValue - UInt256.One };
        foreach (var p in new[] { Pow64, Pow128, Pow192 })
        {
            values.Add(p);
            values.Add(p - UInt256.One);
            values.Add(p + UInt256.One);
        }
        values.Add(new UInt256(0, 0, 0, 1UL << 63));
        values.Add(new UInt256(0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x0F0F0F0F0F0F0F0F, 0x7777777777777777));
        return values;
    }
}
