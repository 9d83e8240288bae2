using System.Buffers.Binary;

namespace ParallelExec.State;

/// <summary>A 20-byte account address. Ordered as its big-endian bytes.</summary>
public readonly struct Address : IEquatable<Address>, IComparable<Address>
{
    /// <summary>Bytes in an address.</summary>
    public const int Size = 20;

    // Big-endian pieces: bytes 0..7, 8..15, 16..19.
    private readonly ulong _hi;
    private readonly ulong _mid;
    private readonly uint _lo;

    private Address(ulong hi, ulong mid, uint lo)
    {
        _hi = hi; _mid = mid; _lo = lo;
    }

    /// <summary>An address from its 20 bytes.</summary>
    public Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size) throw new ArgumentException($"an address is {Size} bytes, got {bytes.Length}", nameof(bytes));
        _hi = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _mid = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _lo = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
    }

    /// <summary>A deterministic address for account number <paramref name="n"/> (workloads and tests).</summary>
    public static Address FromNumber(ulong n, byte tag = 0) => new(((ulong)tag << 56) | (0xAAUL << 48), n >> 32, (uint)n);

    /// <summary>The address as a 256-bit word (right-aligned, as the EVM holds addresses in storage).</summary>
    public UInt256 ToUInt256() => new(((_mid & 0xFFFF_FFFFUL) << 32) | _lo, (_hi << 32) | (_mid >> 32), _hi >> 32, 0);

    // Raw pieces for hashing composite keys in one pass.
    internal ulong High => _hi;
    internal ulong Middle => _mid;
    internal uint Low => _lo;

    /// <summary>Writes the 20 bytes to <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _mid);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _lo);
    }

    /// <summary>The 20 bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Parses 0x and 40 hex digits; throws <see cref="FormatException"/> otherwise.</summary>
    public static Address Parse(string text)
    {
        if (!TryParse(text, out var address)) throw new FormatException($"'{text}' is not a 20-byte hex address");
        return address;
    }

    /// <summary>Parses 40 hex digits, with or without 0x, in any case.</summary>
    public static bool TryParse(string? text, out Address address)
    {
        address = default;
        if (text is null) return false;
        var span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) span = span[2..];
        if (span.Length != Size * 2) return false;
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(span, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size) return false;
        address = new Address(bytes);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Address other) => _hi == other._hi && _mid == other._mid && _lo == other._lo;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Address other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_hi, _mid, _lo);
    /// <summary>Whether two addresses are equal.</summary>
    public static bool operator ==(Address a, Address b) => a.Equals(b);
    /// <summary>Whether two addresses differ.</summary>
    public static bool operator !=(Address a, Address b) => !a.Equals(b);

    /// <summary>A total order on addresses.</summary>
    public int CompareTo(Address other)
    {
        if (_hi != other._hi) return _hi < other._hi ? -1 : 1;
        if (_mid != other._mid) return _mid < other._mid ? -1 : 1;
        return _lo.CompareTo(other._lo);
    }

    /// <summary>0x and 40 lower-case hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return "0x" + Convert.ToHexStringLower(bytes);
    }
}
