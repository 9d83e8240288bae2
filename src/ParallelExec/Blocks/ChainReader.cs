using System.Buffers;
using System.Buffers.Binary;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// Reads a .pxb chain file block by block (only one block is held at a time, so files larger than
/// memory stream through). The constructor reads and checks the file header and starting state; each
/// <see cref="ReadNext"/> reads one record, checks its length bound and CRC-32 before decoding, and
/// checks block order. Every problem with the input is a <see cref="ChainFormatException"/>.
/// </summary>
public sealed class ChainReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly TransactionCodecRegistry _registry;
    private readonly ChainReaderOptions _options;
    private ChainFormatException? _genesisDisorder;
    private readonly string? _path; // the file, when opened by path (a streamed genesis is read again from it)
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
    private long _offset;
    private long? _lastNumber;
    private bool _ended;
    private long _firstRecordOffset; // where the starting state's record ends

    /// <summary>Reads a chain from <paramref name="stream"/>: the header and start (genesis or parent root) are read and checked here, the blocks by <see cref="ReadNext"/>.</summary>
    public ChainReader(Stream stream, TransactionCodecRegistry? registry = null, ChainReaderOptions? options = null, bool leaveOpen = false)
        : this(stream, registry, options, leaveOpen, path: null)
    {
    }

    private ChainReader(Stream stream, TransactionCodecRegistry? registry, ChainReaderOptions? options, bool leaveOpen, string? path,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _path = path;
        _stream = stream;
        _leaveOpen = leaveOpen;
        _registry = registry ?? TransactionCodecRegistry.Default;
        _options = options ?? ChainReaderOptions.Default;
        try
        {
            Start = ReadHeader(cancellationToken);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a chain file; the file header and starting state are read and checked here. With
    /// <see cref="ChainReaderOptions.GenesisInMemory"/> off, an embedded genesis is not kept: it is
    /// read again from the file by <see cref="ChainStart.GenesisSection"/>. Checking a large genesis
    /// reads all of it (a 30 M-account file's 3 GB: seconds), so that check watches
    /// <paramref name="cancellationToken"/> and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static ChainReader Open(string path, TransactionCodecRegistry? registry = null, ChainReaderOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return new ChainReader(stream, registry, options, leaveOpen: false, System.IO.Path.GetFullPath(path), cancellationToken);
    }

    /// <summary>Where the chain starts: an embedded genesis state or a parent state root.</summary>
    public ChainStart Start { get; }

    /// <summary>The file format version.</summary>
    public ushort Version { get; private set; }

    /// <summary>Byte offset of the next record.</summary>
    public long Offset => _offset;

    /// <summary>Blocks read so far.</summary>
    public long BlocksRead { get; private set; }

    /// <summary>Length of the underlying stream when it is seekable (for progress), else 0.</summary>
    public long StreamLength => _stream.CanSeek ? _stream.Length : 0;

    /// <summary>The next block, or null after the end record.</summary>
    public ChainBlock? ReadNext()
    {
        if (_ended) return null;
        long recordOffset = _offset;
        long? expected = _lastNumber + 1;
        Span<byte> head = stackalloc byte[5];
        int got = ReadUpTo(head[..1]);
        if (got == 0) throw new ChainFormatException($"truncated: the file ends after {BlocksRead} blocks without an end record", recordOffset, expected);
        byte tag = head[0];
        if (tag == ChainFormat.EndTag)
        {
            ReadEnd(recordOffset, expected);
            return null;
        }
        if (tag != ChainFormat.BlockTag)
            throw new ChainFormatException($"unknown record tag 0x{tag:X2}", recordOffset, expected);
        ReadExactly(head[1..5], recordOffset, expected, "block length");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head[1..5]);
        if (length > (uint)_options.MaxBlockBytes)
            throw new ChainFormatException($"block length {length} bytes exceeds the bound {_options.MaxBlockBytes}", recordOffset, expected);
        if (_stream.CanSeek && length + 4L > _stream.Length - _offset)
            throw new ChainFormatException($"truncated: block length {length} bytes but only {_stream.Length - _offset} bytes left", recordOffset, expected);
        int total = (int)length + 4;
        if (_buffer.Length < total)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(total);
        }
        var span = _buffer.AsSpan(0, total);
        long payloadOffset = _offset;
        ReadExactly(span, recordOffset, expected, "block");
        var payload = span[..(int)length];
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)length..]);
        uint computed = Crc32.Finish(Crc32.Update(Crc32.Update(Crc32.Start, head[1..5]), payload));
        if (stored != computed)
        {
            long shown = expected ?? (length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(payload) : 0);
            throw new ChainFormatException($"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}): the block is corrupt", recordOffset, shown);
        }
        var block = ChainBlockCodec.Decode(payload, payloadOffset, expected, _registry, Version, _options.DecodeAccessLists);
        _lastNumber = block.Number;
        BlocksRead++;
        return block;
    }

    /// <summary>The remaining blocks, one at a time.</summary>
    public IEnumerable<ChainBlock> ReadBlocks()
    {
        while (ReadNext() is { } block) yield return block;
    }

    /// <summary>Closes the stream (unless it was left open).</summary>
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private void ReadEnd(long recordOffset, long? expected)
    {
        Span<byte> whole = stackalloc byte[ChainFormat.EndRecordSize(Version)];
        whole[0] = ChainFormat.EndTag;
        ReadExactly(whole[1..], recordOffset, expected, "end record");
        if (!TryParseEnd(whole, out long count, out long firstRecord, out var digest))
            throw new ChainFormatException("end record checksum mismatch", recordOffset, expected);
        if (count != BlocksRead) throw new ChainFormatException($"end record counts {count} blocks but the file holds {BlocksRead}", recordOffset, expected);
        if (Version >= ChainFormat.GenesisSummaryVersion)
        {
            if (firstRecord != _firstRecordOffset)
                throw new ChainFormatException($"end record puts the first block at byte {firstRecord}, but it is at byte {_firstRecordOffset}", recordOffset, expected);
            // A genesis this reader did not check has the end record's digest (or none): nothing to compare.
            var known = Start.Kind == ChainStartKind.Genesis ? Start.GenesisDigest : default;
            if ((Start.Kind == ChainStartKind.ParentRoot || !SkipsGenesis) && digest != known)
                throw new ChainFormatException($"end record gives the genesis digest {digest}, but the genesis's is {known}", recordOffset, expected);
        }
        Span<byte> probe = stackalloc byte[1];
        if (ReadUpTo(probe) != 0) throw new ChainFormatException("unexpected bytes after the end record", _offset - 1, null);
        _ended = true;
    }

    // An end record's fields, once its checksum matches (false otherwise); a version before
    // GenesisSummaryVersion has no first-block offset or digest (both zero).
    private bool TryParseEnd(ReadOnlySpan<byte> record, out long count, out long firstRecord, out Hash256 digest)
    {
        int crcAt = record.Length - 4;
        count = BinaryPrimitives.ReadInt64LittleEndian(record[1..]);
        bool summary = Version >= ChainFormat.GenesisSummaryVersion;
        firstRecord = summary ? BinaryPrimitives.ReadInt64LittleEndian(record[9..]) : 0;
        digest = summary ? new Hash256(record[17..crcAt]) : default;
        return record[0] == ChainFormat.EndTag && BinaryPrimitives.ReadUInt32LittleEndian(record[crcAt..]) == Crc32.Compute(record[..crcAt]);
    }

    /// <summary>
    /// A version-3 file's end record, read from the end of the seekable stream and put back where it
    /// was: where the blocks start and the genesis's digest, when its checksum holds and the start lies
    /// between the smallest genesis <paramref name="count"/> entries can take and the end record. False
    /// otherwise (a file cut short, or damaged there: stepped over, the reader then reports it where it is).
    /// </summary>
    private bool TryReadSummary(long count, out long firstRecord, out Hash256 digest)
    {
        firstRecord = 0;
        digest = default;
        int size = ChainFormat.EndRecordSize(Version);
        long length = _stream.Length, position = _stream.Position;
        if (length - size < _offset) return false;
        Span<byte> record = stackalloc byte[size];
        try
        {
            _stream.Seek(length - size, SeekOrigin.Begin);
            _stream.ReadExactly(record);
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            _stream.Seek(position, SeekOrigin.Begin);
        }
        if (!TryParseEnd(record, out _, out firstRecord, out digest)) return false;
        long smallest = _offset + count * (ChainFormat.KeyPrefixSize + 1) + 4;
        return firstRecord >= smallest && firstRecord <= length - size;
    }

    private ChainStart ReadHeader(CancellationToken cancellationToken)
    {
        Span<byte> header = stackalloc byte[ChainFormat.FileHeaderSize];
        int got = ReadUpTo(header);
        if (got < 4 || !header[..4].SequenceEqual(ChainFormat.Magic))
            throw new ChainFormatException("not a chain file (bad magic)", 0, null);
        if (got < header.Length) throw new ChainFormatException("truncated file header", got, null);
        Version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (Version < ChainFormat.OldestReadableVersion || Version > ChainFormat.Version)
            throw new ChainFormatException($"unsupported format version {Version} (this reader knows {ChainFormat.OldestReadableVersion}..{ChainFormat.Version})", 4, null);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        if (flags != 0) throw new ChainFormatException($"unknown file flags 0x{flags:X4}", 6, null);
        byte kind = header[8];
        if (header[9] != 0 || header[10] != 0 || header[11] != 0) throw new ChainFormatException("reserved header bytes are not zero", 9, null);
        // The starting state's record can be gigabytes: the library's CRC-32 folds it with carry-less
        // multiplication instead of the table lookups of Crc32, which the small block records keep.
        var crc = new System.IO.Hashing.Crc32();
        crc.Append(header);
        ChainStart start;
        if (kind == (byte)ChainStartKind.ParentRoot)
        {
            Span<byte> root = stackalloc byte[Hash256.Size];
            ReadExactly(root, _offset, null, "parent root");
            crc.Append(root);
            start = ChainStart.FromParentRoot(new Hash256(root));
        }
        else if (kind == (byte)ChainStartKind.Genesis)
        {
            start = ReadGenesis(crc, cancellationToken);
        }
        else
        {
            throw new ChainFormatException($"unknown starting-state kind {kind}", 8, null);
        }
        Span<byte> stored = stackalloc byte[4];
        long at = _offset;
        ReadExactly(stored, at, null, "starting-state checksum");
        _firstRecordOffset = _offset;
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(stored);
        if (kind == (byte)ChainStartKind.Genesis && SkipsGenesis) return start; // not checked: see ChainReaderOptions.CheckGenesis
        uint computed = crc.GetCurrentHashAsUInt32();
        if (value != computed)
            throw new ChainFormatException($"starting-state checksum mismatch (stored 0x{value:X8}, computed 0x{computed:X8})", at, null);
        if (_genesisDisorder is not null) throw _genesisDisorder;
        return start;
    }

    private bool SkipsGenesis => !_options.CheckGenesis && !_options.GenesisInMemory && _path is not null;

    // Reads the genesis entries, checking and hashing them; stepped over (SkipsGenesis: their form read
    // to find their end, nothing decoded, folded into the checksum or the digest, their order not kept)
    // when the options ask not to check them.
    private ChainStart ReadGenesis(System.IO.Hashing.Crc32 crc, CancellationToken cancellationToken)
    {
        Span<byte> field = stackalloc byte[8];
        long countOffset = _offset;
        ReadExactly(field, countOffset, null, "genesis entry count");
        crc.Append(field);
        long count = BinaryPrimitives.ReadInt64LittleEndian(field);
        const int minEntry = ChainFormat.KeyPrefixSize + 1;
        if (count < 0 || count > _options.MaxGenesisEntries
            || (_stream.CanSeek && count > (_stream.Length - _offset) / minEntry))
            throw new ChainFormatException(
                $"genesis entry count {count} is out of bounds (at most {_options.MaxGenesisEntries}, and {minEntry} bytes each must fit in the file: truncated?)", countOffset, null);
        bool check = !SkipsGenesis;
        long entriesOffset = _offset;
        // Not checked, and the file says where its blocks start: one seek instead of reading the entries.
        if (!check && Version >= ChainFormat.GenesisSummaryVersion && _stream.CanSeek && TryReadSummary(count, out long firstRecord, out var claimed))
        {
            _offset = _stream.Seek(firstRecord - 4, SeekOrigin.Begin); // at the starting state's checksum
            return ChainStart.FromGenesis(new GenesisSection(_path!, entriesOffset, count), claimed);
        }
        using var entries = new GenesisEntryReader(_stream, _offset, check ? crc : null);
        // Streamed: the entries are checked here and read again from the file when asked for.
        var state = _path is not null && !_options.GenesisInMemory ? null : new InMemoryState((int)Math.Min(count, 1 << 20));
        for (long i = 0; i < count; i++)
        {
            if ((i + 1) % ChainFormat.GenesisEntriesPerCheck == 0) cancellationToken.ThrowIfCancellationRequested();
            if (!check)
            {
                entries.Skip(); // no state to fill (SkipsGenesis holds none), no order to keep
                continue;
            }
            var (key, value) = entries.Read();
            state?.Set(key, value);
        }
        entries.ReturnUnread(); // the stream goes on at the starting state's checksum
        _offset = entries.Offset;
        if (check) _genesisDisorder = entries.Disorder; // thrown once the record's checksum is known to match
        var digest = check ? entries.Digest() : default;
        return state is not null ? ChainStart.FromGenesis(state, digest) : ChainStart.FromGenesis(new GenesisSection(_path!, entriesOffset, count), digest);
    }

    private int ReadUpTo(Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n;
            try
            {
                n = _stream.Read(destination[total..]);
            }
            catch (IOException e)
            {
                throw new ChainFormatException($"read failed: {e.Message}", _offset + total, _lastNumber + 1, e);
            }
            if (n == 0) break;
            total += n;
        }
        _offset += total;
        return total;
    }

    private void ReadExactly(Span<byte> destination, long recordOffset, long? blockNumber, string what)
    {
        int got = ReadUpTo(destination);
        if (got < destination.Length)
            throw new ChainFormatException($"truncated: {what} needs {destination.Length} bytes, the file has {got} left", recordOffset, blockNumber);
    }
}
