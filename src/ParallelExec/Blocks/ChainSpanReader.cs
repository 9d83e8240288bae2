using System.Buffers.Binary;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// Reads the primitives of the chain format from a checksummed record. Every read is bounds-checked:
/// running past the end, an overlong varint or a count larger than the bytes left throws
/// <see cref="ChainFormatException"/> naming the block and the byte offset, before anything is allocated.
/// </summary>
public ref struct ChainSpanReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly long _baseOffset;
    private readonly long? _blockNumber;
    private int _position;

    /// <summary>Reads <paramref name="data"/>; <paramref name="baseOffset"/> and <paramref name="blockNumber"/> locate errors in the file.</summary>
    public ChainSpanReader(ReadOnlySpan<byte> data, long baseOffset = 0, long? blockNumber = null)
    {
        _data = data;
        _baseOffset = baseOffset;
        _blockNumber = blockNumber;
        _position = 0;
    }

    /// <summary>Bytes read so far.</summary>
    public readonly int Position => _position;
    /// <summary>Bytes left.</summary>
    public readonly int Remaining => _data.Length - _position;
    /// <summary>Whether every byte has been read.</summary>
    public readonly bool End => _position == _data.Length;

    /// <summary>Absolute file offset of the next byte.</summary>
    public readonly long Offset => _baseOffset + _position;

    /// <summary>Throws a <see cref="ChainFormatException"/> at the current position.</summary>
    public readonly ChainFormatException Fail(string problem) => new(problem, Offset, _blockNumber);

    /// <summary>The next <paramref name="count"/> bytes; fails when fewer are left.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining) throw Fail($"needs {count} bytes, {Remaining} left");
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    /// <summary>The next byte.</summary>
    public byte ReadByte() => ReadBytes(1)[0];

    /// <summary>A boolean byte; any value but 0 or 1 is an error.</summary>
    public bool ReadBool() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw Fail($"boolean byte is {b}, not 0 or 1"),
    };

    /// <summary>A 32-bit unsigned integer, little-endian.</summary>
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    /// <summary>A 64-bit signed integer, little-endian.</summary>
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    /// <summary>An unsigned LEB128 varint of at most 10 bytes (no overflow, no padding).</summary>
    public ulong ReadVarUInt64()
    {
        ulong value = 0;
        for (int shift = 0, i = 0; ; shift += 7, i++)
        {
            if (i == 10) throw Fail("varint longer than 10 bytes");
            byte b = ReadByte();
            if (i == 9 && b > 1) throw Fail("varint overflows 64 bits");
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0) throw Fail("varint has a redundant trailing zero byte");
                return value;
            }
        }
    }

    /// <summary>A varint that must fit in a non-negative int and be at most <paramref name="max"/>.</summary>
    public int ReadVarInt32(int max, string what)
    {
        ulong v = ReadVarUInt64();
        if (v > (ulong)max) throw Fail($"{what} is {v}, above the bound {max}");
        return (int)v;
    }

    /// <summary>
    /// The length of item <paramref name="index"/> of a list (a block's transactions, a witness's nodes),
    /// at most <paramref name="max"/>: as <see cref="ReadVarInt32"/>, but its label ("transaction 12
    /// length") is made only when the value is refused, not for every item decoded.
    /// </summary>
    public int ReadLength(int max, string item, int index)
    {
        ulong v = ReadVarUInt64();
        if (v > (ulong)max) throw Fail($"{item} {index} length is {v}, above the bound {max}");
        return (int)v;
    }

    /// <summary>
    /// A count of items that each take at least <paramref name="minItemSize"/> bytes: bounded by the
    /// bytes left, so a corrupt count can never make the caller allocate more than the record holds.
    /// </summary>
    public int ReadCount(int minItemSize, string what)
    {
        ulong v = ReadVarUInt64();
        long bound = Remaining / Math.Max(1, minItemSize);
        if (v > (ulong)bound) throw Fail($"{what} {v} cannot fit in the {Remaining} bytes left");
        return (int)v;
    }

    /// <summary>An address (20 bytes).</summary>
    public Address ReadAddress() => new(ReadBytes(Address.Size));

    /// <summary>A hash (32 bytes).</summary>
    public Hash256 ReadHash() => new(ReadBytes(Hash256.Size));

    /// <summary>A 256-bit word in its minimal big-endian form behind a length byte (0..32).</summary>
    public UInt256 ReadUInt256()
    {
        int length = ReadByte();
        if (length > 32) throw Fail($"word length {length} exceeds 32");
        var bytes = ReadBytes(length);
        if (length > 0 && bytes[0] == 0) throw Fail("word has a leading zero byte");
        return UInt256.FromBigEndian(bytes);
    }

    /// <summary>A state key, as <see cref="ChainBufferWriter.WriteStateKey"/> writes it; an unknown kind is an error.</summary>
    public StateKey ReadStateKey()
    {
        var address = ReadAddress();
        byte kind = ReadByte();
        return kind switch
        {
            (byte)StateKeyKind.Nonce => StateKey.Nonce(address),
            (byte)StateKeyKind.Balance => StateKey.Balance(address),
            (byte)StateKeyKind.CodeHash => StateKey.CodeHash(address),
            (byte)StateKeyKind.Storage => StateKey.Storage(address, ReadUInt256()),
            _ => throw Fail($"unknown state key kind {kind}"),
        };
    }

    /// <summary>Optional declared hints: a presence byte, then read keys and write keys.</summary>
    public AccessHints? ReadHints()
    {
        if (!ReadBool()) return null;
        var reads = ReadKeys("hint read count");
        var writes = ReadKeys("hint write count");
        return new AccessHints(reads, writes);
    }

    private StateKey[] ReadKeys(string what)
    {
        int count = ReadCount(ChainFormat.KeyPrefixSize, what);
        var keys = new StateKey[count];
        for (int i = 0; i < count; i++) keys[i] = ReadStateKey();
        return keys;
    }
}
