using ParallelExec.State;

namespace ParallelExec.Rlp;

/// <summary>
/// A strict, allocation-free RLP decoder over a span: it reads items one after another and rejects
/// non-canonical encodings (long forms for short payloads, leading zeros in lengths or integers,
/// single bytes below 0x80 wrapped in a string header) and items that run past the input.
/// </summary>
public ref struct RlpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads RLP items from <paramref name="data"/>.</summary>
    public RlpReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Bytes read so far.</summary>
    public readonly int Position => _position;
    /// <summary>Whether bytes are left.</summary>
    public readonly bool HasMore => _position < _data.Length;

    /// <summary>True when the next item is a list.</summary>
    public readonly bool NextIsList
    {
        get
        {
            if (!HasMore) throw new RlpException("unexpected end of input");
            return _data[_position] >= 0xc0;
        }
    }

    /// <summary>Reads a string item and returns its payload.</summary>
    public ReadOnlySpan<byte> ReadString()
    {
        var (isList, offset, length) = ReadHeader();
        if (isList) throw new RlpException($"expected a string at byte {_position}, found a list");
        var payload = _data.Slice(offset, length);
        _position = offset + length;
        return payload;
    }

    /// <summary>Reads a list item and returns a reader over its payload.</summary>
    public RlpReader ReadList()
    {
        var (isList, offset, length) = ReadHeader();
        if (!isList) throw new RlpException($"expected a list at byte {_position}, found a string");
        var reader = new RlpReader(_data.Slice(offset, length));
        _position = offset + length;
        return reader;
    }

    /// <summary>Returns the next item's full encoding (header included) and skips it.</summary>
    public ReadOnlySpan<byte> ReadEncodedItem()
    {
        int start = _position;
        var (_, offset, length) = ReadHeader();
        _position = offset + length;
        return _data[start.._position];
    }

    /// <summary>A string item as an unsigned integer (canonical: no leading zero bytes, at most 8 bytes).</summary>
    public ulong ReadUInt64()
    {
        var payload = ReadString();
        if (payload.Length > 8) throw new RlpException("integer does not fit in 64 bits");
        if (payload.Length > 0 && payload[0] == 0) throw new RlpException("integer has leading zero bytes");
        ulong value = 0;
        foreach (byte b in payload) value = (value << 8) | b;
        return value;
    }

    /// <summary>A string item as a 256-bit unsigned integer (canonical, at most 32 bytes).</summary>
    public UInt256 ReadUInt256()
    {
        var payload = ReadString();
        if (payload.Length > 32) throw new RlpException("integer does not fit in 256 bits");
        if (payload.Length > 0 && payload[0] == 0) throw new RlpException("integer has leading zero bytes");
        return UInt256.FromBigEndian(payload);
    }

    /// <summary>A string item of exactly 32 bytes as a hash.</summary>
    public Hash256 ReadHash256()
    {
        var payload = ReadString();
        if (payload.Length != Hash256.Size) throw new RlpException($"expected 32 bytes, found {payload.Length}");
        return new Hash256(payload);
    }

    /// <summary>Throws unless the whole input has been read.</summary>
    public readonly void EnsureEnd()
    {
        if (HasMore) throw new RlpException($"{_data.Length - _position} trailing bytes after the last item");
    }

    private readonly (bool IsList, int Offset, int Length) ReadHeader()
    {
        if (!HasMore) throw new RlpException("unexpected end of input");
        int p = _position;
        byte prefix = _data[p];
        bool isList;
        int offset, length;
        if (prefix < 0x80)
        {
            return (false, p, 1);
        }
        if (prefix <= 0xb7)
        {
            isList = false;
            length = prefix - 0x80;
            offset = p + 1;
            if (length == 1)
            {
                if (offset >= _data.Length) throw new RlpException("unexpected end of input");
                if (_data[offset] < 0x80) throw new RlpException("single byte below 0x80 must not carry a string header");
            }
        }
        else if (prefix < 0xc0)
        {
            isList = false;
            (offset, length) = ReadLongLength(p, prefix - 0xb7);
        }
        else if (prefix <= 0xf7)
        {
            isList = true;
            length = prefix - 0xc0;
            offset = p + 1;
        }
        else
        {
            isList = true;
            (offset, length) = ReadLongLength(p, prefix - 0xf7);
        }
        if ((long)offset + length > _data.Length) throw new RlpException($"item at byte {p} runs past the end of the input");
        return (isList, offset, length);
    }

    private readonly (int Offset, int Length) ReadLongLength(int p, int lengthOfLength)
    {
        if (lengthOfLength > 4) throw new RlpException("length too large");
        if (p + 1 + lengthOfLength > _data.Length) throw new RlpException("unexpected end of input");
        if (_data[p + 1] == 0) throw new RlpException("length has leading zero bytes");
        long length = 0;
        for (int i = 0; i < lengthOfLength; i++) length = (length << 8) | _data[p + 1 + i];
        if (length < 56) throw new RlpException("long form used for a payload shorter than 56 bytes");
        if (length > int.MaxValue) throw new RlpException("length too large");
        return (p + 1 + lengthOfLength, (int)length);
    }
}
