using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace ParallelExec.State;

/// <summary>
/// Unsigned 256-bit integer (Ethereum balances and storage words). Arithmetic never wraps:
/// the <c>TryAdd</c>/<c>TrySubtract</c>/<c>TryMultiply</c> forms report overflow and the
/// operators throw <see cref="OverflowException"/>.
/// </summary>
public readonly struct UInt256 : IEquatable<UInt256>, IComparable<UInt256>
{
    /// <summary>The four 64-bit limbs, least significant first.</summary>
    public readonly ulong U0, U1, U2, U3;

    /// <summary>Zero.</summary>
    public static readonly UInt256 Zero = default;
    /// <summary>One.</summary>
    public static readonly UInt256 One = new(1);
    /// <summary>2^256 − 1.</summary>
    public static readonly UInt256 MaxValue = new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    /// <summary>A value from its limbs, least significant first.</summary>
    public UInt256(ulong u0, ulong u1 = 0, ulong u2 = 0, ulong u3 = 0)
    {
        U0 = u0; U1 = u1; U2 = u2; U3 = u3;
    }

    /// <summary>Whether the value is zero.</summary>
    public bool IsZero => (U0 | U1 | U2 | U3) == 0;

    /// <summary>True when the value fits in 64 bits.</summary>
    public bool FitsInUInt64 => (U1 | U2 | U3) == 0;

    /// <summary>Whether the value is below 2^128.</summary>
    public bool FitsInUInt128 => (U2 | U3) == 0;

    /// <summary>Widens a 64-bit value.</summary>
    public static implicit operator UInt256(ulong value) => new(value);

    /// <summary>Narrows to 64 bits; throws <see cref="OverflowException"/> when it does not fit.</summary>
    public static explicit operator ulong(UInt256 value) =>
        value.FitsInUInt64 ? value.U0 : throw new OverflowException("UInt256 value does not fit in 64 bits");

    /// <summary>Narrows to 128 bits; throws <see cref="OverflowException"/> when it does not fit.</summary>
    public static explicit operator UInt128(UInt256 value) =>
        value.FitsInUInt128 ? new UInt128(value.U1, value.U0) : throw new OverflowException("UInt256 value does not fit in 128 bits");

    /// <summary>Widens a 128-bit value.</summary>
    public static UInt256 FromUInt128(UInt128 value) => new((ulong)value, (ulong)(value >> 64));

    /// <summary><paramref name="a"/> + <paramref name="b"/>; false on overflow past 2^256 − 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAdd(in UInt256 a, in UInt256 b, out UInt256 sum)
    {
        ulong carry = 0;
        ulong s0 = AddWithCarry(a.U0, b.U0, ref carry);
        ulong s1 = AddWithCarry(a.U1, b.U1, ref carry);
        ulong s2 = AddWithCarry(a.U2, b.U2, ref carry);
        ulong s3 = AddWithCarry(a.U3, b.U3, ref carry);
        sum = new UInt256(s0, s1, s2, s3);
        return carry == 0;
    }

    /// <summary><paramref name="a"/> − <paramref name="b"/>; false when <paramref name="b"/> is larger.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TrySubtract(in UInt256 a, in UInt256 b, out UInt256 difference)
    {
        ulong borrow = 0;
        ulong d0 = SubtractWithBorrow(a.U0, b.U0, ref borrow);
        ulong d1 = SubtractWithBorrow(a.U1, b.U1, ref borrow);
        ulong d2 = SubtractWithBorrow(a.U2, b.U2, ref borrow);
        ulong d3 = SubtractWithBorrow(a.U3, b.U3, ref borrow);
        difference = new UInt256(d0, d1, d2, d3);
        return borrow == 0;
    }

    /// <summary>Multiplies by a 64-bit factor (gas × price and the like).</summary>
    public static bool TryMultiply(in UInt256 a, ulong b, out UInt256 product)
    {
        ulong hi0 = Math.BigMul(a.U0, b, out ulong p0);
        ulong hi1 = Math.BigMul(a.U1, b, out ulong lo1);
        ulong hi2 = Math.BigMul(a.U2, b, out ulong lo2);
        ulong hi3 = Math.BigMul(a.U3, b, out ulong lo3);
        ulong carry = 0;
        ulong p1 = AddWithCarry(lo1, hi0, ref carry);
        ulong p2 = AddWithCarry(lo2, hi1, ref carry);
        ulong p3 = AddWithCarry(lo3, hi2, ref carry);
        product = new UInt256(p0, p1, p2, p3);
        return carry == 0 && hi3 == 0;
    }

    /// <summary>Sum; throws <see cref="OverflowException"/> on overflow.</summary>
    public static UInt256 operator +(in UInt256 a, in UInt256 b) =>
        TryAdd(a, b, out var s) ? s : throw new OverflowException("UInt256 addition overflowed");

    /// <summary>Difference; throws <see cref="OverflowException"/> on underflow.</summary>
    public static UInt256 operator -(in UInt256 a, in UInt256 b) =>
        TrySubtract(a, b, out var d) ? d : throw new OverflowException("UInt256 subtraction underflowed");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddWithCarry(ulong x, ulong y, ref ulong carry)
    {
        ulong s = x + y;
        ulong c1 = s < x ? 1UL : 0UL;
        ulong r = s + carry;
        ulong c2 = r < s ? 1UL : 0UL;
        carry = c1 | c2;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubtractWithBorrow(ulong x, ulong y, ref ulong borrow)
    {
        ulong d = x - y;
        ulong b1 = x < y ? 1UL : 0UL;
        ulong r = d - borrow;
        ulong b2 = d < borrow ? 1UL : 0UL;
        borrow = b1 | b2;
        return r;
    }

    /// <inheritdoc/>
    public int CompareTo(UInt256 other)
    {
        if (U3 != other.U3) return U3 < other.U3 ? -1 : 1;
        if (U2 != other.U2) return U2 < other.U2 ? -1 : 1;
        if (U1 != other.U1) return U1 < other.U1 ? -1 : 1;
        if (U0 != other.U0) return U0 < other.U0 ? -1 : 1;
        return 0;
    }

    /// <summary>Less than.</summary>
    public static bool operator <(in UInt256 a, in UInt256 b) => a.CompareTo(b) < 0;
    /// <summary>Greater than.</summary>
    public static bool operator >(in UInt256 a, in UInt256 b) => a.CompareTo(b) > 0;
    /// <summary>Less than or equal.</summary>
    public static bool operator <=(in UInt256 a, in UInt256 b) => a.CompareTo(b) <= 0;
    /// <summary>Greater than or equal.</summary>
    public static bool operator >=(in UInt256 a, in UInt256 b) => a.CompareTo(b) >= 0;
    /// <summary>Equal.</summary>
    public static bool operator ==(in UInt256 a, in UInt256 b) => a.Equals(b);
    /// <summary>Not equal.</summary>
    public static bool operator !=(in UInt256 a, in UInt256 b) => !a.Equals(b);

    /// <inheritdoc/>
    public bool Equals(UInt256 other) => U0 == other.U0 && U1 == other.U1 && U2 == other.U2 && U3 == other.U3;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UInt256 other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(U0, U1, U2, U3);

    /// <summary>Writes the value as 32 big-endian bytes.</summary>
    public void WriteBigEndian(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, U3);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], U2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], U1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], U0);
    }

    /// <summary>Reads up to 32 big-endian bytes (shorter input is left-padded with zeros).</summary>
    public static UInt256 FromBigEndian(ReadOnlySpan<byte> source)
    {
        if (source.Length > 32) throw new ArgumentException("more than 32 bytes", nameof(source));
        Span<byte> buffer = stackalloc byte[32];
        buffer.Clear();
        source.CopyTo(buffer[(32 - source.Length)..]);
        return new UInt256(
            BinaryPrimitives.ReadUInt64BigEndian(buffer[24..]),
            BinaryPrimitives.ReadUInt64BigEndian(buffer[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(buffer[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(buffer));
    }

    /// <summary>Number of significant bytes (0 for zero): the length of its minimal big-endian form.</summary>
    public int ByteLength
    {
        get
        {
            if (U3 != 0) return 24 + 8 - BitOperations.LeadingZeroCount(U3) / 8;
            if (U2 != 0) return 16 + 8 - BitOperations.LeadingZeroCount(U2) / 8;
            if (U1 != 0) return 8 + 8 - BitOperations.LeadingZeroCount(U1) / 8;
            if (U0 != 0) return 8 - BitOperations.LeadingZeroCount(U0) / 8;
            return 0;
        }
    }

    /// <summary>The value as a <see cref="BigInteger"/>.</summary>
    public BigInteger ToBigInteger()
    {
        Span<byte> bytes = stackalloc byte[32];
        WriteBigEndian(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>A value from a <see cref="BigInteger"/>; throws <see cref="OverflowException"/> outside 0..2^256 − 1.</summary>
    public static UInt256 FromBigInteger(BigInteger value)
    {
        if (value.Sign < 0 || value.GetBitLength() > 256) throw new OverflowException("value is outside the unsigned 256-bit range");
        return FromBigEndian(value.IsZero ? ReadOnlySpan<byte>.Empty : value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    /// <summary>Parses decimal, or hex with a 0x prefix.</summary>
    public static UInt256 Parse(string text)
    {
        if (!TryParse(text, out var value)) throw new FormatException($"'{text}' is not an unsigned 256-bit integer");
        return value;
    }

    /// <summary>Parses decimal, or hex with a 0x prefix; false when the text is not a value in 0..2^256 − 1.</summary>
    public static bool TryParse(string? text, out UInt256 value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        BigInteger big;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            var hex = text[2..];
            if (hex.Length == 0) { value = Zero; return true; }
            if (hex.Length > 64 || !BigInteger.TryParse("0" + hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out big)) return false;
        }
        else if (!BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out big))
        {
            return false;
        }
        if (big.Sign < 0 || big.GetBitLength() > 256) return false;
        value = FromBigInteger(big);
        return true;
    }

    /// <summary>The value in decimal.</summary>
    public override string ToString() => ToBigInteger().ToString(CultureInfo.InvariantCulture);

    /// <summary>The value as 0x and lower-case hex digits without leading zeros (0x0 for zero).</summary>
    public string ToHexString()
    {
        Span<byte> bytes = stackalloc byte[32];
        WriteBigEndian(bytes);
        var hex = Convert.ToHexStringLower(bytes).TrimStart('0');
        return "0x" + (hex.Length == 0 ? "0" : hex);
    }
}
