using System.Numerics;
using System.Runtime.CompilerServices;
using ParallelExec.State;

namespace ParallelExec.Rlp;

/// <summary>
/// Allocation-free Recursive Length Prefix encoding into caller-owned spans. Every <c>Write*</c>
/// method returns the number of bytes written; every <c>LengthOf*</c> method returns the exact
/// number a matching write will produce, so callers size buffers (or list headers) up front.
/// </summary>
public static class RlpWriter
{
    /// <summary>Encoding of the empty string (also an empty child slot in a trie branch).</summary>
    public const byte EmptyString = 0x80;

    /// <summary>Encoding of the empty list.</summary>
    public const byte EmptyList = 0xc0;

    /// <summary>Bytes needed for an RLP string of <paramref name="length"/> bytes whose first byte is <paramref name="firstByte"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LengthOfString(int length, byte firstByte) =>
        length == 1 && firstByte < 0x80 ? 1 : HeaderLength(length) + length;

    /// <summary>The encoded length of <paramref name="value"/> as an RLP string.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LengthOf(ReadOnlySpan<byte> value) =>
        LengthOfString(value.Length, value.Length == 0 ? (byte)0 : value[0]);

    /// <summary>Bytes needed for a string or list header announcing <paramref name="payloadLength"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HeaderLength(int payloadLength) =>
        payloadLength < 56 ? 1 : 1 + ByteCount((uint)payloadLength);

    /// <summary>Bytes needed for a whole list with the given payload length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LengthOfList(int payloadLength) => HeaderLength(payloadLength) + payloadLength;

    /// <summary>Writes <paramref name="value"/> as an RLP string; returns the bytes written.</summary>
    public static int WriteString(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        if (value.Length == 1 && value[0] < 0x80)
        {
            destination[0] = value[0];
            return 1;
        }
        int header = WriteHeader(destination, value.Length, 0x80);
        value.CopyTo(destination[header..]);
        return header + value.Length;
    }

    /// <summary>Writes the header of a string of <paramref name="length"/> bytes (the caller writes the bytes after it).</summary>
    public static int WriteStringHeader(Span<byte> destination, int length) => WriteHeader(destination, length, 0x80);

    /// <summary>Writes a list header for a payload of <paramref name="payloadLength"/> bytes; returns the bytes written.</summary>
    public static int WriteListHeader(Span<byte> destination, int payloadLength) => WriteHeader(destination, payloadLength, 0xc0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteHeader(Span<byte> destination, int length, byte offset)
    {
        if (length < 56)
        {
            destination[0] = (byte)(offset + length);
            return 1;
        }
        int count = ByteCount((uint)length);
        destination[0] = (byte)(offset + 55 + count);
        for (int i = count; i > 0; i--)
        {
            destination[i] = (byte)length;
            length >>= 8;
        }
        return 1 + count;
    }

    /// <summary>The encoded length of <paramref name="value"/> as an RLP integer.</summary>
    public static int LengthOf(ulong value) =>
        value < 0x80 ? 1 : 1 + ByteCount(value);

    /// <summary>Writes an integer as a string of its big-endian bytes without leading zeros (zero → 0x80).</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        if (value == 0)
        {
            destination[0] = EmptyString;
            return 1;
        }
        if (value < 0x80)
        {
            destination[0] = (byte)value;
            return 1;
        }
        int count = ByteCount(value);
        destination[0] = (byte)(0x80 + count);
        for (int i = count; i > 0; i--)
        {
            destination[i] = (byte)value;
            value >>= 8;
        }
        return 1 + count;
    }

    /// <summary>The encoded length of <paramref name="value"/> as an RLP integer.</summary>
    public static int LengthOf(in UInt256 value)
    {
        if (value.FitsInUInt64) return LengthOf(value.U0);
        return 1 + value.ByteLength;
    }

    /// <summary>Writes <paramref name="value"/> as an RLP integer (big-endian, no leading zeros); returns the bytes written.</summary>
    [SkipLocalsInit]
    public static int Write(Span<byte> destination, in UInt256 value)
    {
        if (value.FitsInUInt64) return Write(destination, value.U0);
        int count = value.ByteLength;
        Span<byte> word = stackalloc byte[32];
        value.WriteBigEndian(word);
        destination[0] = (byte)(0x80 + count);
        word[(32 - count)..].CopyTo(destination[1..]);
        return 1 + count;
    }

    /// <summary>Writes a 32-byte hash as a string (always 33 bytes).</summary>
    public static int Write(Span<byte> destination, in Hash256 hash)
    {
        destination[0] = 0x80 + Hash256.Size;
        hash.WriteTo(destination[1..]);
        return 1 + Hash256.Size;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ByteCount(ulong value) => 8 - BitOperations.LeadingZeroCount(value) / 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ByteCount(uint value) => 4 - BitOperations.LeadingZeroCount(value) / 8;

    /// <summary>Convenience for tests and cold paths: encodes a string into a new array.</summary>
    public static byte[] EncodeString(ReadOnlySpan<byte> value)
    {
        var result = new byte[LengthOf(value)];
        WriteString(result, value);
        return result;
    }

    /// <summary>Convenience for tests and cold paths: wraps already-encoded items in a list.</summary>
    public static byte[] EncodeList(params byte[][] encodedItems)
    {
        int payload = 0;
        foreach (var item in encodedItems) payload += item.Length;
        var result = new byte[LengthOfList(payload)];
        int offset = WriteListHeader(result, payload);
        foreach (var item in encodedItems)
        {
            item.CopyTo(result, offset);
            offset += item.Length;
        }
        return result;
    }
}
