using System.Buffers.Binary;
using ParallelExec.State;

namespace ParallelExec.Batches;

/// <summary>
/// Reads the primitives of a batch. Every read is bounds-checked: running past the end, an overlong
/// or overflowing varint, or a count larger than the bytes left throws <see cref="BatchFormatException"/>
/// naming the byte offset and, once set, the block and transaction being read.
/// </summary>
public ref struct BatchReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads <paramref name="data"/> (a whole batch, or its part before the checksum).</summary>
    public BatchReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        Block = null;
        Transaction = null;
    }

    /// <summary>The block being read, for error messages.</summary>
    public long? Block { get; set; }

    /// <summary>The transaction being read (index in its block), for error messages.</summary>
    public int? Transaction { get; set; }

    /// <summary>Bytes read so far (the offset of the next byte).</summary>
    public readonly int Position => _position;

    /// <summary>Bytes left.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>An exception for a problem at the current position.</summary>
    public readonly BatchFormatException Fail(string problem) => FailAt(problem, _position);

    /// <summary>An exception for a problem at byte <paramref name="offset"/>.</summary>
    public readonly BatchFormatException FailAt(string problem, int offset) => new(problem, offset, Block, Transaction);

    /// <summary>The next <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count, string what)
    {
        if (count < 0 || count > Remaining) throw Fail($"truncated: {what} needs {count} bytes, {Remaining} left");
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    /// <summary>One byte.</summary>
    public byte ReadByte(string what) => ReadBytes(1, what)[0];

    /// <summary>A 16-bit unsigned integer, little-endian.</summary>
    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2, what));

    /// <summary>A 32-byte hash.</summary>
    public Hash256 ReadHash(string what) => new(ReadBytes(Hash256.Size, what));

    /// <summary>A 20-byte address.</summary>
    public Address ReadAddress(string what) => new(ReadBytes(Address.Size, what));

    /// <summary>A LEB128 value of at most 64 bits.</summary>
    public ulong ReadVarUInt64(string what) => ReadLeb(64, what).U0;

    /// <summary>A LEB128 value of at most 256 bits.</summary>
    public UInt256 ReadVarUInt256(string what) => ReadLeb(256, what);

    /// <summary>A LEB128 value that must be at most <paramref name="max"/>.</summary>
    public int ReadVarInt32(int max, string what)
    {
        int at = _position;
        ulong v = ReadVarUInt64(what);
        if (v > (ulong)max) throw FailAt($"{what} is {v}, above the bound {max}", at);
        return (int)v;
    }

    /// <summary>A count of items of at least <paramref name="minItemSize"/> bytes each: bounded by the bytes left before anything is allocated.</summary>
    public int ReadCount(int minItemSize, string what)
    {
        int at = _position;
        ulong v = ReadVarUInt64(what);
        long bound = Remaining / Math.Max(1, minItemSize);
        if (v > (ulong)bound) throw FailAt($"{what} {v} cannot fit in the {Remaining} bytes left", at);
        return (int)v;
    }

    private UInt256 ReadLeb(int bits, string what)
    {
        int n = Leb128.TryRead(_data[_position..], bits, out var value);
        if (n < 0)
        {
            throw Fail((Leb128Error)n switch
            {
                Leb128Error.Truncated => $"truncated: {what} runs past the end",
                Leb128Error.TooLong => $"{what}: varint longer than {(bits + 6) / 7} bytes",
                Leb128Error.Overflow => $"{what}: varint overflows {bits} bits",
                _ => $"{what}: varint has a redundant trailing zero byte",
            });
        }
        _position += n;
        return value;
    }
}
