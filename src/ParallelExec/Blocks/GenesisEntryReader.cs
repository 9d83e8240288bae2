using System.Runtime.CompilerServices;
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
/// <para>
/// The entries are parsed from a buffer of the reader's own, filled a megabyte at a time from a
/// seekable stream (a field at a time from another), and the checksum and digest fold the buffer's
/// consumed bytes as it is refilled: reading each field through the stream and copying it aside for
/// folding made a 30 M-account file's genesis check take ~9 s for 1.6 GB. Having read ahead, the
/// reader puts the stream back at the end of the last entry it read (<see cref="ReturnUnread"/>).
/// </para>
/// </summary>
/// <param name="stream">The file, positioned at <paramref name="offset"/>.</param>
/// <param name="offset">Byte offset of the first entry (for messages).</param>
/// <param name="crc">
/// The starting-state record's CRC-32 so far, into which the entries are folded with the digest; null
/// for a reader that only needs the entries, or their end, after the file was checked once (nothing
/// folded: <see cref="Digest"/> is then that of nothing).
/// </param>
internal sealed class GenesisEntryReader(Stream stream, long offset, System.IO.Hashing.Crc32? crc) : IDisposable
{
    private const int SeekableBuffer = 1 << 20;
    private const int LargestField = 32; // a word's bytes (its length byte is read first; a key prefix is 21)

    private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    // From a seekable stream the buffer is filled as far as it goes; from another, only as far as the
    // field being read needs, so that nothing past the genesis is taken from a stream that cannot go back.
    private readonly byte[] _buffer = new byte[stream.CanSeek ? (int)Math.Clamp(stream.Length - stream.Position, LargestField, SeekableBuffer) : LargestField];
    private int _start, _end; // the unread bytes are _buffer[_start.._end)
    private int _folded; // _buffer[_folded.._start) is read but not yet folded into the checksum and the digest
    private long _bufferOffset = offset; // the file offset of _buffer[0]
    private StateKey _previous;
    private long _index;

    /// <summary>Byte offset of the next entry.</summary>
    public long Offset => _bufferOffset + _start;

    /// <summary>SHA-256 of the entries' bytes read so far (call once, after the last entry).</summary>
    public Hash256 Digest()
    {
        Fold();
        return new(_digest.GetHashAndReset());
    }

    /// <summary>
    /// Puts the stream back at <see cref="Offset"/> (the end of the last entry read), giving back what
    /// the buffer read ahead: for a caller that goes on reading the stream after the entries.
    /// </summary>
    public void ReturnUnread()
    {
        if (_end > _start) stream.Seek(_start - _end, SeekOrigin.Current);
        Fold();
        _bufferOffset += _start;
        _start = _end = _folded = 0;
    }

    /// <inheritdoc/>
    public void Dispose() => _digest.Dispose();

    private void Fold()
    {
        if (crc is not null && _start > _folded)
        {
            var read = _buffer.AsSpan(_folded, _start - _folded);
            crc.Append(read);
            _digest.AppendData(read);
        }
        _folded = _start;
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
        byte kind = ReadKeyPrefix(entryOffset, out var address);
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
        if (ReadKeyPrefix(entryOffset, out _) == (byte)StateKeyKind.Storage) ReadWord(entryOffset);
        ReadWord(entryOffset);
        _index++;
    }

    // Reads the entry's key prefix (the address, then the kind); returns its kind.
    private byte ReadKeyPrefix(long entryOffset, out Address address)
    {
        Fill(ChainFormat.KeyPrefixSize, entryOffset, "genesis entry");
        var prefix = _buffer.AsSpan(_start, ChainFormat.KeyPrefixSize);
        byte kind = prefix[Address.Size];
        if (kind > (byte)StateKeyKind.Storage) throw new ChainFormatException($"genesis entry {_index}: unknown state key kind {kind}", entryOffset, null);
        address = new Address(prefix[..Address.Size]);
        _start += ChainFormat.KeyPrefixSize;
        return kind;
    }

    // Reads a word (a length byte, then that many big-endian bytes, no leading zero); returns its bytes, valid until the next read.
    private ReadOnlySpan<byte> ReadWord(long entryOffset)
    {
        Fill(1, entryOffset, "genesis word");
        int length = _buffer[_start];
        if (length > 32) throw new ChainFormatException($"genesis word length {length} exceeds 32", Offset, null);
        _start++;
        Fill(length, entryOffset, "genesis word");
        var bytes = _buffer.AsSpan(_start, length);
        if (length > 0 && bytes[0] == 0) throw new ChainFormatException("genesis word has a leading zero byte", entryOffset, null);
        _start += length;
        return bytes;
    }

    // Makes at least `count` (at most LargestField) unread bytes available at _buffer[_start..], or
    // fails as truncated with what the file has left.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Fill(int count, long entryOffset, string what)
    {
        if (_end - _start < count) Refill(count, entryOffset, what);
    }

    private void Refill(int count, long entryOffset, string what)
    {
        Fold();
        int unread = _end - _start;
        _buffer.AsSpan(_start, unread).CopyTo(_buffer);
        _bufferOffset += _start;
        _start = _folded = 0;
        _end = unread;
        while (_end < count)
        {
            int n;
            try
            {
                n = stream.Read(_buffer.AsSpan(_end, stream.CanSeek ? _buffer.Length - _end : count - _end));
            }
            catch (IOException e)
            {
                throw new ChainFormatException($"read failed: {e.Message}", _bufferOffset + _end, null, e);
            }
            if (n == 0) break;
            _end += n;
        }
        if (_end < count)
        {
            // The bytes that were there count as read; the message says how many of the field's the file still had.
            int left = _end;
            _start = _end;
            throw new ChainFormatException($"truncated: {what} needs {count} bytes, the file has {left} left", entryOffset, null);
        }
    }
}
