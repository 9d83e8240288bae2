using System.Buffers.Binary;
using System.Security.Cryptography;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>
/// Writes a .pxb chain file block by block (see docs/block-format.md): the file header and starting
/// state on construction, one checksummed record per <see cref="WriteBlock"/>, and the end record on
/// <see cref="Complete"/>. A writer disposed without <see cref="Complete"/> leaves a file readers
/// reject as truncated. Block numbers must be consecutive.
/// </summary>
public sealed class ChainWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly TransactionCodecRegistry _registry;
    private readonly ChainBufferWriter _record = new(1 << 16);
    private readonly ChainBufferWriter _scratch = new(256);
    private long? _lastNumber;
    private bool _completed;
    private long _written; // bytes written to the stream so far
    private long _firstRecordOffset; // where the starting state's record ends and the blocks start
    private Hash256 _genesisDigest; // SHA-256 of the genesis entries' bytes (zero for a parent-root start)

    /// <summary>
    /// Writes the header and <paramref name="start"/> to <paramref name="stream"/>; blocks follow with
    /// <see cref="WriteBlock"/>, then <see cref="Complete"/>. A large genesis takes seconds to write
    /// (3 GB at 30 M accounts with as many slots): its copy watches <paramref name="cancellationToken"/>.
    /// </summary>
    public ChainWriter(Stream stream, ChainStart start, TransactionCodecRegistry? registry = null, bool leaveOpen = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(start);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _registry = registry ?? TransactionCodecRegistry.Default;
        WriteHeader(start, cancellationToken);
    }

    /// <summary>Creates (or overwrites) a chain file.</summary>
    public static ChainWriter Create(string path, ChainStart start, TransactionCodecRegistry? registry = null, CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        try
        {
            return new ChainWriter(stream, start, registry, cancellationToken: cancellationToken);
        }
        catch
        {
            stream.Dispose(); // the header failed (a genesis stream out of order, a full disk): the file is not left open
            throw;
        }
    }

    /// <summary>Writes a whole chain file.</summary>
    public static void Write(string path, ChainStart start, IEnumerable<ChainBlock> blocks, TransactionCodecRegistry? registry = null)
    {
        using var writer = Create(path, start, registry);
        foreach (var block in blocks) writer.WriteBlock(block);
        writer.Complete();
    }

    /// <summary>Blocks written so far.</summary>
    public long BlocksWritten { get; private set; }

    /// <summary>Appends a block; its number must follow the previous block's.</summary>
    public void WriteBlock(ChainBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (_completed) throw new InvalidOperationException("the chain file is already complete");
        if (_lastNumber is { } last && block.Number != last + 1)
            throw new ArgumentException($"block {block.Number} does not follow block {last}");
        if (block.Number < 0) throw new ArgumentException($"negative block number {block.Number}");
        _record.Clear();
        _record.WriteByte(ChainFormat.BlockTag);
        _record.GetSpan(4); // payload length, patched below
        ChainBlockCodec.Encode(block, _registry, _record, _scratch);
        int payload = _record.Length - 5;
        BinaryPrimitives.WriteUInt32LittleEndian(_record.At(1, 4), (uint)payload);
        _record.WriteUInt32(Crc32.Compute(_record.WrittenSpan[1..]));
        Emit(_record.WrittenSpan);
        _lastNumber = block.Number;
        BlocksWritten++;
    }

    /// <summary>
    /// Writes the end record and flushes. The end record also says where the first block starts and
    /// what the genesis's digest is, so a reader that does not need the genesis finds the blocks with
    /// one seek (<see cref="ChainReaderOptions.CheckGenesis"/>).
    /// </summary>
    public void Complete()
    {
        if (_completed) return;
        _record.Clear();
        _record.WriteByte(ChainFormat.EndTag);
        _record.WriteInt64(BlocksWritten);
        _record.WriteInt64(_firstRecordOffset);
        _record.WriteHash(_genesisDigest);
        _record.WriteUInt32(Crc32.Compute(_record.WrittenSpan));
        Emit(_record.WrittenSpan);
        _stream.Flush();
        if (_stream is FileStream file) file.Flush(flushToDisk: true);
        _completed = true;
    }

    /// <summary>Closes the stream (unless it was left open).</summary>
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    private void WriteHeader(ChainStart start, CancellationToken cancellationToken)
    {
        uint crc = Crc32.Start;
        var w = _record;
        w.Clear();
        w.WriteBytes(ChainFormat.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(w.GetSpan(2), ChainFormat.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(w.GetSpan(2), 0); // flags: none defined
        w.WriteByte((byte)start.Kind);
        w.GetSpan(3).Clear(); // reserved
        if (start.Kind == ChainStartKind.ParentRoot)
        {
            w.WriteHash(start.ParentRoot);
        }
        else
        {
            // In key order (sorted when held in memory, streamed otherwise), checked as written.
            long count = start.GenesisCount, written = 0;
            w.WriteInt64(count);
            Flush(ref crc, null); // the digest is of the entries alone
            using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            StateKey previous = default;
            foreach (var (key, value) in start.GenesisEntries())
            {
                if (written > 0 && previous.CompareTo(key) >= 0)
                    throw new InvalidOperationException($"genesis entry {written} ({key}) is not after {previous}: a streamed genesis must come in key order, each key once");
                if (++written > count) break;
                if (written % ChainFormat.GenesisEntriesPerCheck == 0) cancellationToken.ThrowIfCancellationRequested();
                w.WriteStateKey(key);
                w.WriteUInt256(value);
                if (w.Length >= 1 << 16) Flush(ref crc, digest);
                previous = key;
            }
            if (written != count) throw new InvalidOperationException($"the genesis gave {(written > count ? "more than" : "only")} {Math.Min(written, count)} entries of the {count} it announced");
            Flush(ref crc, digest);
            _genesisDigest = new Hash256(digest.GetHashAndReset());
        }
        Flush(ref crc, null);
        BinaryPrimitives.WriteUInt32LittleEndian(w.GetSpan(4), Crc32.Finish(crc));
        Emit(w.WrittenSpan);
        w.Clear();
        _firstRecordOffset = _written;
    }

    private void Flush(ref uint crc, IncrementalHash? digest)
    {
        crc = Crc32.Update(crc, _record.WrittenSpan);
        digest?.AppendData(_record.WrittenSpan);
        Emit(_record.WrittenSpan);
        _record.Clear();
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _written += bytes.Length;
    }
}
