using ParallelExec.Blocks;
using ParallelExec.State;

namespace ParallelExec.Batches;

/// <summary>
/// Unsigned LEB128 (7 bits per byte, low group first, high bit = more follows) for 64-bit and 256-bit
/// values. The encoding is minimal: a reader rejects a redundant trailing zero byte and overflow.
/// </summary>
public static class Leb128
{
    /// <summary>Most bytes a 64-bit value takes.</summary>
    public const int MaxBytes64 = 10;

    /// <summary>Most bytes a 256-bit value takes.</summary>
    public const int MaxBytes256 = 37;

    /// <summary>Bytes <paramref name="value"/> takes.</summary>
    public static int Size(ulong value)
    {
        int n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    /// <summary>Appends a 256-bit <paramref name="value"/> (a 64-bit value takes the same bytes as <see cref="ChainBufferWriter.WriteVarUInt64"/>, the chain format's LEB128).</summary>
    public static void Write(ChainBufferWriter writer, in UInt256 value)
    {
        if (value.FitsInUInt64)
        {
            writer.WriteVarUInt64(value.U0);
            return;
        }
        ulong u0 = value.U0, u1 = value.U1, u2 = value.U2, u3 = value.U3;
        while (true)
        {
            byte group = (byte)(u0 & 0x7F);
            u0 = (u0 >> 7) | (u1 << 57);
            u1 = (u1 >> 7) | (u2 << 57);
            u2 = (u2 >> 7) | (u3 << 57);
            u3 >>= 7;
            bool more = (u0 | u1 | u2 | u3) != 0;
            writer.WriteByte(more ? (byte)(group | 0x80) : group);
            if (!more) return;
        }
    }

    /// <summary>
    /// Reads a value of at most 256 bits from the start of <paramref name="source"/>; returns the bytes
    /// consumed, or a negative <see cref="Leb128Error"/> value cast to int when the input is invalid.
    /// </summary>
    public static int TryRead(ReadOnlySpan<byte> source, int maxBits, out UInt256 value)
    {
        value = default;
        Span<ulong> limbs = stackalloc ulong[4];
        limbs.Clear();
        int maxBytes = (maxBits + 6) / 7;
        for (int i = 0; ; i++)
        {
            if (i == source.Length) return (int)Leb128Error.Truncated;
            if (i == maxBytes) return (int)Leb128Error.TooLong;
            byte b = source[i];
            ulong group = (ulong)(b & 0x7F);
            int shift = 7 * i;
            if (shift + 7 > maxBits && (group >> (maxBits - shift)) != 0) return (int)Leb128Error.Overflow;
            int limb = shift / 64, offset = shift % 64;
            limbs[limb] |= group << offset;
            if (offset > 57 && limb < 3) limbs[limb + 1] |= group >> (64 - offset);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0) return (int)Leb128Error.Padded;
                value = new UInt256(limbs[0], limbs[1], limbs[2], limbs[3]);
                return i + 1;
            }
        }
    }
}

/// <summary>Why <see cref="Leb128.TryRead"/> rejected its input (negative results).</summary>
public enum Leb128Error
{
    /// <summary>The input ends before the last byte.</summary>
    Truncated = -1,
    /// <summary>More bytes than the value's width allows.</summary>
    TooLong = -2,
    /// <summary>The value does not fit in the width asked for.</summary>
    Overflow = -3,
    /// <summary>A redundant trailing zero byte (not minimal).</summary>
    Padded = -4,
}
