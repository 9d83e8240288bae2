using System.Security.Cryptography;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// Reads the entries of a chain file's embedded genesis one at a time (format in docs/block-format.md):
/// each entry is a key prefix (address, kind), a slot word for storage, and a value word, and every key
/// must be above the one before (the format keeps them sorted: that also rules out duplicates). Updates
/// the running CRC-32 of the starting-state record and a SHA-256 of the entries' bytes (the genesis's
/// identity, <see cref="ChainStart.GenesisDigest"/>). Every problem is a <see cref="ChainFormatException"/>
/// naming the entry and its byte offset.
/// </summary>
/// <param name="stream">The file, positioned at <paramref name="offset"/>.</param>
/// <param name="offset">Byte offset of the first entry (for messages).</param>
/// <param name="crc">The starting-state record's running CRC-32 so far.</param>
/// <param name="fold">
/// Fold the entries into the checksum and the digest (false: a reader that only needs the entries,
/// or their end, after the file was checked once: <see cref="Crc"/> and <see cref="Digest"/> then stay as they started).
/// </param>
internal sealed class GenesisEntryReader(Stream stream, long offset, uint crc, bool fold = true) : IDisposable
{
    private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _field = new byte[33];
    // The entries' bytes not yet folded into the checksum and the digest: they are folded a buffer at
    // a time (an entry's three or four fields one by one cost a digest call each, ~100 M calls for
    // a genesis of 30 M entries).
    private readonly byte[] _pending = new byte[1 << 16];
    private int _pendingLength;
    private uint _crc = crc;
    private StateKey _previous;
    private long _index;

    /// <summary>Byte offset of the next entry.</summary>
    public long Offset { get; private set; } = offset;

    /// <summary>The running CRC-32 (not finished).</summary>
    public uint Crc
    {
        get
        {
            Fold();
            return _crc;
        }
    }

    /// <summary>SHA-256 of the entries' bytes read so far (call once, after the last entry).</summary>
    public Hash256 Digest()
    {
        Fold();
        return new(_digest.GetHashAndReset());
    }

    /// <inheritdoc/>
    public void Dispose() => _digest.Dispose();

    private void Absorb(ReadOnlySpan<byte> bytes)
    {
        if (!fold) return;
        if (_pendingLength + bytes.Length > _pending.Length) Fold();
        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    private void Fold()
    {
        var pending = _pending.AsSpan(0, _pendingLength);
        _crc = Crc32.Update(_crc, pending);
        _digest.AppendData(pending);
        _pendingLength = 0;
    }

    /// <summary>
    /// The first key that was not above the one before (null while there is none). Kept, not thrown, so
    /// that a caller who checks the record's checksum reports a damaged file as damaged first.
    /// </summary>
    public ChainFormatException? Disorder { get; private set; }

    /// <summary>Reads the next entry (see <see cref="Disorder"/> for its order).</summary>
    public KeyValuePair<StateKey, UInt256> Read()
    {
        long entryOffset = Offset;
        byte kind = ReadKeyPrefix(entryOffset);
        var address = new Address(_field.AsSpan(0, Address.Size));
        StateKey key = kind switch
        {
            (byte)StateKeyKind.Nonce => StateKey.Nonce(address),
            (byte)StateKeyKind.Balance => StateKey.Balance(address),
            (byte)StateKeyKind.CodeHash => StateKey.CodeHash(address),
            _ => StateKey.Storage(address, UInt256.FromBigEndian(ReadWord(entryOffset))),
        };
        var value = UInt256.FromBigEndian(ReadWord(entryOffset));
        if (_index > 0 && key.CompareTo(_previous) <= 0 && Disorder is null)
        {
            Disorder = new ChainFormatException(key.Equals(_previous)
                ? $"genesis entry {_index}: duplicate key {key}"
                : $"genesis entry {_index}: key {key} is not above the one before ({_previous}); the entries must be sorted", entryOffset, null);
        }
        _previous = key;
        _index++;
        return new(key, value);
    }

    /// <summary>
    /// Reads over the next entry as <see cref="Read"/> does (its form checked, folded when folding) but
    /// decodes nothing and keeps no order: for a reader that only needs the genesis's end.
    /// </summary>
    public void Skip()
    {
        long entryOffset = Offset;
        if (ReadKeyPrefix(entryOffset) == (byte)StateKeyKind.Storage) ReadWord(entryOffset);
        ReadWord(entryOffset);
        _index++;
    }

    // Reads the entry's key prefix into the field buffer (the address, then the kind); returns its kind.
    private byte ReadKeyPrefix(long entryOffset)
    {
        var prefix = _field.AsSpan(0, ChainFormat.KeyPrefixSize);
        ReadExactly(prefix, entryOffset, "genesis entry");
        Absorb(prefix);
        byte kind = prefix[Address.Size];
        if (kind > (byte)StateKeyKind.Storage) throw new ChainFormatException($"genesis entry {_index}: unknown state key kind {kind}", entryOffset, null);
        return kind;
    }

    // Reads a word (a length byte, then that many big-endian bytes, no leading zero); returns its bytes, valid until the next read.
    private ReadOnlySpan<byte> ReadWord(long entryOffset)
    {
        var field = _field.AsSpan();
        ReadExactly(field[..1], entryOffset, "genesis word");
        int length = field[0];
        if (length > 32) throw new ChainFormatException($"genesis word length {length} exceeds 32", Offset - 1, null);
        Absorb(field[..1]);
        var bytes = field[1..(1 + length)];
        ReadExactly(bytes, entryOffset, "genesis word");
        Absorb(bytes);
        if (length > 0 && bytes[0] == 0) throw new ChainFormatException("genesis word has a leading zero byte", entryOffset, null);
        return bytes;
    }

    private void ReadExactly(Span<byte> destination, long entryOffset, string what)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n;
            try
            {
                n = stream.Read(destination[total..]);
            }
            catch (IOException e)
            {
                throw new ChainFormatException($"read failed: {e.Message}", Offset + total, null, e);
            }
            if (n == 0) break;
            total += n;
        }
        Offset += total;
        if (total < destination.Length)
            throw new ChainFormatException($"truncated: {what} needs {destination.Length} bytes, the file has {total} left", entryOffset, null);
    }
}
