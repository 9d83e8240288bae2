using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.Testing;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Blocks;

/// <summary>
/// A version-3 end record says where the blocks start and what the genesis's digest is: a reader that
/// does not check the genesis seeks to the blocks without reading a byte of it, a checked reader
/// compares both with what it found, and a summary that does not point inside the file is not followed.
/// </summary>
public sealed class GenesisSummaryTests : IDisposable
{
    private readonly string _path = ChainTestFiles.TempFile();
    private static readonly ChainReaderOptions Unchecked = new() { GenesisInMemory = false, CheckGenesis = false };

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void An_unchecked_reader_seeks_to_the_blocks_past_a_genesis_it_could_not_even_step_over()
    {
        var bytes = ChainTestFiles.Bytes(ChainTestFiles.Workload(WorkloadKind.P2p, blocks: 3, txs: 10));
        var expected = ChainTestFiles.ReadAll(bytes);
        Hash256 digest;
        using (var checkedReader = new ChainReader(new MemoryStream(bytes))) digest = checkedReader.Start.GenesisDigest;
        var version2 = OlderChainFiles.AsVersion(bytes, 2);
        // The first entry is an account field (no slot): its value's length byte follows the 21-byte key.
        int valueLength = ChainFormat.FileHeaderSize + 8 + ChainFormat.KeyPrefixSize;
        bytes[valueLength] = version2[valueLength] = 0xFF;

        File.WriteAllBytes(_path, bytes);
        using (var reader = ChainReader.Open(_path, options: Unchecked))
        {
            Assert.Equal(digest, reader.Start.GenesisDigest);
            Assert.Equal(expected.Select(b => b.Number), reader.ReadBlocks().Select(b => b.Number));
        }
        // A version-2 file has no summary: its entries are read to find their end, and this one's cannot be.
        File.WriteAllBytes(_path, version2);
        Assert.Throws<ChainFormatException>(() => ChainReader.Open(_path, options: Unchecked).Dispose());
    }

    [Fact]
    public void A_checked_reader_refuses_a_summary_that_differs_from_the_file()
    {
        var bytes = ChainTestFiles.Bytes(ChainTestFiles.Workload(blocks: 2, txs: 10));
        long first = ChainTestFiles.RecordOffsets(bytes)[0];
        int digestAt = EndAt(bytes) + 17;
        bytes[digestAt] ^= 0x01;
        FixEndCrc(bytes);
        var wrongDigest = Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(bytes));
        Assert.Contains("end record gives the genesis digest", wrongDigest.Message);

        bytes[digestAt] ^= 0x01;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(EndAt(bytes) + 9), first + 1);
        FixEndCrc(bytes);
        var wrongOffset = Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(bytes));
        Assert.Contains($"end record puts the first block at byte {first + 1}, but it is at byte {first}", wrongOffset.Message);
        // Followed by an unchecked reader, it lands inside a record: refused there, in one line.
        File.WriteAllBytes(_path, bytes);
        var landed = Assert.Throws<ChainFormatException>(() =>
        {
            using var reader = ChainReader.Open(_path, options: Unchecked);
            reader.ReadBlocks().ToList();
        });
        Assert.DoesNotContain('\n', landed.Message);
    }

    [Fact]
    public void A_summary_pointing_outside_the_blocks_is_not_followed_and_is_reported_at_the_end()
    {
        var bytes = ChainTestFiles.Bytes(ChainTestFiles.Workload(blocks: 2, txs: 10));
        long first = ChainTestFiles.RecordOffsets(bytes)[0];
        foreach (long pointer in new[] { 5L, bytes.Length, -1L })
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(EndAt(bytes) + 9), pointer);
            FixEndCrc(bytes);
            File.WriteAllBytes(_path, bytes);
            using var reader = ChainReader.Open(_path, options: Unchecked);
            Assert.Equal(default, reader.Start.GenesisDigest); // stepped over: no digest known
            Assert.NotNull(reader.ReadNext());
            Assert.NotNull(reader.ReadNext());
            var e = Assert.Throws<ChainFormatException>(() => reader.ReadNext());
            Assert.Contains($"end record puts the first block at byte {pointer}, but it is at byte {first}", e.Message);
        }
    }

    [Fact]
    public void A_chain_from_a_parent_root_has_a_summary_with_no_digest()
    {
        using var stream = new MemoryStream();
        using (var writer = new ChainWriter(stream, ChainStart.FromParentRoot(new Hash256(Enumerable.Repeat((byte)7, 32).ToArray())), leaveOpen: true))
            writer.Complete();
        var bytes = stream.ToArray();
        Assert.Equal(ChainFormat.EndRecordSize(ChainFormat.Version), bytes.Length - (ChainFormat.FileHeaderSize + 32 + 4));
        Assert.Empty(ChainTestFiles.ReadAll(bytes));
        bytes[EndAt(bytes) + 17] = 1;
        FixEndCrc(bytes);
        Assert.Contains("end record gives the genesis digest", Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(bytes)).Message);
    }

    private static int EndAt(byte[] bytes) => bytes.Length - ChainFormat.EndRecordSize(ChainFormat.Version);

    private static void FixEndCrc(byte[] bytes) =>
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(EndAt(bytes), bytes.Length - 4 - EndAt(bytes))));
}
