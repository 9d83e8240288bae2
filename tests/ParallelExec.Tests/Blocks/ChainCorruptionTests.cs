using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Blocks;

public class ChainCorruptionTests
{
    private static readonly byte[] File3 = ChainTestFiles.Bytes(ChainTestFiles.Workload(blocks: 3, txs: 20));

    private static ChainFormatException Fails(byte[] bytes, ChainReaderOptions? options = null)
    {
        var e = Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(bytes, options: options));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Matches(@"^(block -?\d+|file header) at byte \d+: ", e.Message);
        return e;
    }

    [Fact]
    public void Every_truncation_is_reported()
    {
        for (int length = 0; length < File3.Length; length++)
        {
            var e = Fails(File3[..length]);
            Assert.True(e.Offset <= length, $"offset {e.Offset} beyond cut {length}");
        }
    }

    [Fact]
    public void Truncation_at_a_block_boundary_is_reported_as_a_missing_end_record()
    {
        var offsets = ChainTestFiles.RecordOffsets(File3);
        var e = Fails(File3[..(int)offsets[2]]);
        Assert.Contains("without an end record", e.Message);
        Assert.Equal(3, e.BlockNumber);
    }

    [Fact]
    public void A_flipped_byte_is_a_checksum_error_naming_the_block()
    {
        var offsets = ChainTestFiles.RecordOffsets(File3);
        for (int b = 0; b < 3; b++)
        {
            var bytes = (byte[])File3.Clone();
            int at = (int)offsets[b] + 5 + 40; // inside the payload (beneficiary / root)
            bytes[at] ^= 0x10;
            var e = Fails(bytes);
            Assert.Contains("checksum mismatch", e.Message);
            Assert.Equal(b + 1, e.BlockNumber);
            Assert.Equal(offsets[b], e.Offset);
            Assert.StartsWith($"block {b + 1} at byte {offsets[b]}: ", e.Message);
        }
    }

    [Fact]
    public void A_flipped_byte_in_the_genesis_is_a_header_checksum_error()
    {
        var bytes = (byte[])File3.Clone();
        bytes[ChainFormat.FileHeaderSize + 8 + 3] ^= 0x01; // inside the first genesis entry's address
        var e = Fails(bytes);
        Assert.Null(e.BlockNumber);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void Bad_magic_and_version_and_flags()
    {
        var bytes = (byte[])File3.Clone();
        bytes[0] = (byte)'Q';
        Assert.Contains("bad magic", Fails(bytes).Message);
        Assert.Contains("bad magic", Fails([]).Message);
        Assert.Contains("bad magic", Fails("hello world, not a chain"u8.ToArray()).Message);

        bytes = (byte[])File3.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), ChainFormat.Version + 1);
        Assert.Contains($"unsupported format version {ChainFormat.Version + 1}", Fails(bytes).Message);

        bytes = (byte[])File3.Clone();
        bytes[6] = 1;
        Assert.Contains("unknown file flags", Fails(bytes).Message);
    }

    [Fact]
    public void An_absurd_block_length_is_rejected_before_allocating()
    {
        var offsets = ChainTestFiles.RecordOffsets(File3);
        var bytes = (byte[])File3.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)offsets[1] + 1), 0xFFFF_FFF0u); // ~4 GB
        var e = Fails(bytes);
        Assert.Equal(2, e.BlockNumber);
        Assert.Contains("exceeds the bound", e.Message);

        // Under the bound but past the end of the file: still no allocation of the claimed size.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)offsets[1] + 1), 200_000_000u);
        Assert.Contains("truncated", Fails(bytes).Message);

        // A non-seekable stream cannot tell the file's length: the configured bound still holds.
        using var stream = new ChainTestFiles.NonSeekable(bytes);
        using var reader = new ChainReader(stream, options: new ChainReaderOptions { MaxBlockBytes = 1 << 20 });
        reader.ReadNext();
        Assert.Contains("exceeds the bound", Assert.Throws<ChainFormatException>(() => reader.ReadNext()).Message);
    }

    [Fact]
    public void An_absurd_genesis_count_is_rejected()
    {
        var bytes = (byte[])File3.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(ChainFormat.FileHeaderSize), long.MaxValue);
        Assert.Contains("genesis entry count", Fails(bytes).Message);
    }

    [Fact]
    public void An_absurd_transaction_count_with_a_valid_checksum_is_rejected()
    {
        var offsets = ChainTestFiles.RecordOffsets(File3);
        var bytes = (byte[])File3.Clone();
        int count = (int)offsets[0] + 5 + 8 + 20 + 32 + 1; // payload: number, beneficiary, root, flags, then the count varint
        bytes[count] = 0xFF; // turns 20 into a multi-byte varint that claims far more than the record holds
        ChainTestFiles.FixCrc(bytes, offsets[0]);
        var e = Fails(bytes);
        Assert.Equal(1, e.BlockNumber);
    }

    [Fact]
    public void Blocks_out_of_order_are_rejected()
    {
        var offsets = ChainTestFiles.RecordOffsets(File3);
        var bytes = (byte[])File3.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan((int)offsets[2] + 5), 7);
        ChainTestFiles.FixCrc(bytes, offsets[2]);
        var e = Fails(bytes);
        Assert.Equal(3, e.BlockNumber);
        Assert.Contains("out of order", e.Message);
    }

    [Fact]
    public void An_unknown_transaction_type_names_the_block()
    {
        var offsets = ChainTestFiles.RecordOffsets(File3);
        var bytes = (byte[])File3.Clone();
        int firstTx = (int)offsets[1] + 5 + 8 + 20 + 32 + 1 + 1; // no dependencies, a one-byte count
        bytes[firstTx] = 99;
        ChainTestFiles.FixCrc(bytes, offsets[1]);
        var e = Fails(bytes);
        Assert.Equal(2, e.BlockNumber);
        Assert.Contains("unknown transaction type 99", e.Message);
        Assert.Equal(firstTx, e.Offset);
    }

    [Fact]
    public void A_transaction_longer_than_its_record_names_the_transaction()
    {
        var offsets = ChainTestFiles.RecordOffsets(File3);
        var bytes = (byte[])File3.Clone();
        int firstTx = (int)offsets[1] + 5 + 8 + 20 + 32 + 1 + 1;
        bytes[firstTx + 1] = 0xFF; // its length: a three-byte varint of 2,097,151 in place of the one-byte one
        bytes[firstTx + 2] = 0xFF;
        bytes[firstTx + 3] = 0x7F;
        ChainTestFiles.FixCrc(bytes, offsets[1]);
        var e = Fails(bytes);
        Assert.Equal(2, e.BlockNumber);
        Assert.Contains("transaction 0 length is 2097151, above the bound", e.Message);
        Assert.Equal(firstTx + 4, e.Offset);
    }

    [Fact]
    public void Trailing_bytes_and_a_wrong_end_count_are_rejected()
    {
        Assert.Contains("after the end record", Fails([.. File3, 0]).Message);
        var bytes = (byte[])File3.Clone();
        bytes[^12] ^= 1; // block count of the end record
        Assert.Contains("end record", Fails(bytes).Message);
    }

    [Fact]
    public void The_writer_refuses_out_of_order_blocks()
    {
        var workload = ChainTestFiles.Workload(blocks: 2, txs: 3, hints: HintMode.None);
        using var writer = new ChainWriter(new MemoryStream(), ParallelExec.Blocks.ChainStart.FromGenesis(workload.Genesis));
        writer.WriteBlock(new ChainBlock(workload.Blocks[1]));
        Assert.Throws<ArgumentException>(() => writer.WriteBlock(new ChainBlock(workload.Blocks[0])));
    }
}
