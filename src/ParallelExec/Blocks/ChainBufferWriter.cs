using System.Buffers.Binary;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// A growable buffer that writes the primitives of the chain format (little-endian integers, LEB128
/// varints, minimal big-endian words, state keys, hints). The mirror of <see cref="ChainSpanReader"/>.
/// </summary>
public sealed class ChainBufferWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>A writer with room for <paramref name="capacity"/> bytes before it grows.</summary>
    public ChainBufferWriter(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Discards what was written, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Reserves <paramref name="count"/> bytes and returns them to fill.</summary>
    public Span<byte> GetSpan(int count)
    {
        if (_length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    /// <summary>Bytes already written, to back-patch a reserved field.</summary>
    internal Span<byte> At(int position, int count) => _buffer.AsSpan(position, count);

    /// <summary>Appends raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(GetSpan(bytes.Length));

    /// <summary>Appends one byte.</summary>
    public void WriteByte(byte value) => GetSpan(1)[0] = value;

    /// <summary>Appends a boolean as one byte (0 or 1).</summary>
    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Appends a 32-bit unsigned integer, little-endian.</summary>
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(GetSpan(4), value);

    /// <summary>Appends a 64-bit signed integer, little-endian.</summary>
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);

    /// <summary>Appends an unsigned LEB128 varint (7 bits per byte, minimal length).</summary>
    public void WriteVarUInt64(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        WriteByte((byte)value);
    }

    /// <summary>Appends an address's 20 bytes.</summary>
    public void WriteAddress(Address address) => address.WriteTo(GetSpan(Address.Size));

    /// <summary>Appends a hash's 32 bytes.</summary>
    public void WriteHash(Hash256 hash) => hash.WriteTo(GetSpan(Hash256.Size));

    /// <summary>Appends a 256-bit word in its minimal big-endian form behind a length byte (0..32).</summary>
    public void WriteUInt256(in UInt256 value)
    {
        int length = value.ByteLength;
        WriteByte((byte)length);
        Span<byte> word = stackalloc byte[32];
        value.WriteBigEndian(word);
        WriteBytes(word[(32 - length)..]);
    }

    /// <summary>Appends a state key: address, kind and, for a storage slot, the slot.</summary>
    public void WriteStateKey(in StateKey key)
    {
        WriteAddress(key.Address);
        WriteByte((byte)key.Kind);
        if (key.Kind == StateKeyKind.Storage) WriteUInt256(key.Slot);
    }

    /// <summary>Appends declared access hints (a presence byte, then the read and write keys).</summary>
    public void WriteHints(AccessHints? hints)
    {
        WriteBool(hints is not null);
        if (hints is null) return;
        WriteVarUInt64((ulong)hints.Reads.Length);
        foreach (var key in hints.Reads) WriteStateKey(key);
        WriteVarUInt64((ulong)hints.Writes.Length);
        foreach (var key in hints.Writes) WriteStateKey(key);
    }
}
