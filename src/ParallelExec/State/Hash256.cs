using System.Buffers.Binary;

namespace ParallelExec.State;

/// <summary>A 32-byte hash (Keccak-256 digests, state roots, code hashes).</summary>
public readonly struct Hash256 : IEquatable<Hash256>, IComparable<Hash256>
{
    /// <summary>Bytes in a hash.</summary>
    public const int Size = 32;

    // Big-endian pieces.
    private readonly ulong _a, _b, _c, _d;

    /// <summary>A hash from its 32 bytes.</summary>
    public Hash256(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size) throw new ArgumentException($"a hash is {Size} bytes, got {bytes.Length}", nameof(bytes));
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>Writes the 32 bytes to <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>The 32 bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>The hash read as a big-endian 256-bit word (how code hashes live in the flat state).</summary>
    public UInt256 ToUInt256() => new(_d, _c, _b, _a);

    /// <summary>The hash whose bytes are <paramref name="word"/> big-endian.</summary>
    public static Hash256 FromUInt256(in UInt256 word)
    {
        Span<byte> bytes = stackalloc byte[Size];
        word.WriteBigEndian(bytes);
        return new Hash256(bytes);
    }

    /// <summary>Parses 0x and 64 hex digits; throws <see cref="FormatException"/> otherwise.</summary>
    public static Hash256 Parse(string text)
    {
        var span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) span = span[2..];
        if (span.Length != Size * 2) throw new FormatException($"'{text}' is not a 32-byte hex hash");
        return new Hash256(Convert.FromHexString(span));
    }

    /// <inheritdoc/>
    public bool Equals(Hash256 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Hash256 other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);

    /// <summary>Orders hashes by their bytes, first byte first (the pieces are big-endian).</summary>
    public int CompareTo(Hash256 other)
    {
        if (_a != other._a) return _a < other._a ? -1 : 1;
        if (_b != other._b) return _b < other._b ? -1 : 1;
        if (_c != other._c) return _c < other._c ? -1 : 1;
        return _d.CompareTo(other._d);
    }

    /// <summary>Whether two hashes are equal.</summary>
    public static bool operator ==(Hash256 x, Hash256 y) => x.Equals(y);
    /// <summary>Whether two hashes differ.</summary>
    public static bool operator !=(Hash256 x, Hash256 y) => !x.Equals(y);

    /// <summary>0x and 64 lower-case hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return "0x" + Convert.ToHexStringLower(bytes);
    }
}
