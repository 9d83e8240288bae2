using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.Testing;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Blocks;

/// <summary>A genesis streamed from the file against one held in memory; its digest; its order rule.</summary>
public class StreamedGenesisTests
{
    [Fact]
    public void A_streamed_genesis_gives_the_entries_and_digest_of_the_one_in_memory()
    {
        var workload = ChainTestFiles.Workload(blocks: 2, txs: 10);
        var path = Path.Combine(Path.GetTempPath(), $"streamed-genesis-{Guid.NewGuid():N}.pxb");
        try
        {
            File.WriteAllBytes(path, ChainTestFiles.Bytes(workload));
            using var inMemory = ChainReader.Open(path);
            using var streamed = ChainReader.Open(path, options: new ChainReaderOptions { GenesisInMemory = false });
            Assert.Null(streamed.Start.Genesis);
            Assert.NotNull(streamed.Start.GenesisSection);
            var expected = inMemory.Start.GenesisEntries().ToList();
            Assert.Equal(expected, streamed.Start.GenesisEntries().ToList());
            Assert.Equal(expected, streamed.Start.GenesisEntries().ToList()); // again: read anew from the file
            Assert.Equal(workload.Genesis.Entries.Count(), expected.Count);
            Assert.NotEqual(default, inMemory.Start.GenesisDigest);
            Assert.Equal(inMemory.Start.GenesisDigest, streamed.Start.GenesisDigest);
            // The blocks still follow.
            Assert.NotNull(streamed.ReadNext());

            var other = ChainTestFiles.Bytes(ChainTestFiles.Workload(WorkloadKind.Token, blocks: 2, txs: 10)); // another genesis (contracts, slots)
            File.WriteAllBytes(path, other);
            using var otherReader = ChainReader.Open(path);
            Assert.NotEqual(inMemory.Start.GenesisDigest, otherReader.Start.GenesisDigest);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_genesis_larger_than_the_read_buffer_reads_alike_from_a_file_a_memory_stream_and_a_stream_that_cannot_seek()
    {
        // Megabytes of entries: the reader refills its buffer within entries, then gives back what it read ahead.
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = WorkloadKind.Token, Accounts = 40_000, TransactionsPerBlock = 20, Blocks = 3, Seed = 9, Pools = 2 });
        var bytes = ChainTestFiles.Bytes(workload);
        Assert.True(bytes.Length > 3 << 20, $"{bytes.Length} bytes");
        var path = Path.Combine(Path.GetTempPath(), $"large-genesis-{Guid.NewGuid():N}.pxb");
        try
        {
            File.WriteAllBytes(path, bytes);
            using var file = ChainReader.Open(path);
            var expected = workload.Genesis.Entries.OrderBy(e => e.Key).ToList();
            Assert.Equal(expected, file.Start.GenesisEntries().ToList());
            var readers = new[]
            {
                ChainReader.Open(path, options: new ChainReaderOptions { GenesisInMemory = false }),
                ChainReader.Open(path, options: new ChainReaderOptions { GenesisInMemory = false, CheckGenesis = false }),
                new ChainReader(new MemoryStream(bytes)),
                new ChainReader(new ChainTestFiles.NonSeekable(bytes)),
            };
            var blocks = Blocks(file);
            foreach (var reader in readers)
            {
                using (reader)
                {
                    Assert.Equal(expected, reader.Start.GenesisEntries().ToList());
                    if (reader.Start.GenesisDigest != default) Assert.Equal(file.Start.GenesisDigest, reader.Start.GenesisDigest);
                    Assert.Equal(blocks, Blocks(reader)); // the blocks follow the genesis where it ends
                }
            }
        }
        finally
        {
            File.Delete(path);
        }

        static List<(long, int)> Blocks(ChainReader reader)
        {
            var blocks = new List<(long, int)>();
            while (reader.ReadNext() is { } block) blocks.Add((block.Number, block.Transactions.Count));
            Assert.Equal(3, blocks.Count);
            return blocks;
        }
    }

    [Fact]
    public void A_reader_that_steps_over_the_genesis_reads_the_blocks_and_checks_nothing_of_it()
    {
        // A file whose genesis has a changed address byte (slots and all: the token workload): a checked
        // open refuses it, a reader told not to check steps over the genesis to the same first block, in
        // a version-2 file (its digest then unknown) as in this version's (which gives the end record's).
        var current = ChainTestFiles.Bytes(ChainTestFiles.Workload(WorkloadKind.Token, blocks: 2, txs: 10));
        var path = Path.Combine(Path.GetTempPath(), $"skipped-genesis-{Guid.NewGuid():N}.pxb");
        try
        {
            foreach (var bytes in new[] { OlderChainFiles.AsVersion(current, 2), current })
            {
                File.WriteAllBytes(path, bytes);
                long firstBlock;
                Hash256 digest;
                using (var intact = ChainReader.Open(path))
                {
                    digest = intact.Start.GenesisDigest;
                    firstBlock = intact.ReadNext()!.Number;
                }
                bytes[ChainFormat.FileHeaderSize + 8 + 5] ^= 0x01; // a byte of the first entry's address
                File.WriteAllBytes(path, bytes);
                var refused = Assert.Throws<ChainFormatException>(() => ChainReader.Open(path, options: new ChainReaderOptions { GenesisInMemory = false }));
                Assert.Contains("starting-state checksum mismatch", refused.Message);
                var skipping = new ChainReaderOptions { GenesisInMemory = false, CheckGenesis = false };
                using var reader = ChainReader.Open(path, options: skipping);
                Assert.Equal(bytes == current ? digest : default, reader.Start.GenesisDigest);
                Assert.Equal(firstBlock, reader.ReadNext()!.Number);
                Assert.NotNull(reader.ReadNext());
                Assert.Null(reader.ReadNext()); // the end record
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Genesis_entries_out_of_order_under_a_matching_checksum_are_refused()
    {
        var bytes = ChainTestFiles.Bytes(ChainTestFiles.Workload(blocks: 1, txs: 5));
        // Swap the addresses of the first two entries of two different accounts whose entries have
        // the same length, then give the starting state a correct checksum again.
        int first = ChainFormat.FileHeaderSize + 8;
        var offsets = EntryOffsets(bytes, first, out int end);
        int a = -1, b = -1;
        for (int i = 0; i + 1 < offsets.Count && b < 0; i++)
        {
            for (int j = i + 1; j < offsets.Count; j++)
            {
                bool sameLength = offsets[i].Length == offsets[j].Length;
                bool otherAccount = !bytes.AsSpan(offsets[i].Offset, 20).SequenceEqual(bytes.AsSpan(offsets[j].Offset, 20));
                if (sameLength && otherAccount && bytes[offsets[i].Offset + 20] == bytes[offsets[j].Offset + 20])
                {
                    (a, b) = (i, j);
                    break;
                }
            }
        }
        Assert.True(b > a && a >= 0, "no two entries to swap");
        var left = bytes.AsSpan(offsets[a].Offset, offsets[a].Length).ToArray();
        bytes.AsSpan(offsets[b].Offset, offsets[b].Length).CopyTo(bytes.AsSpan(offsets[a].Offset));
        left.CopyTo(bytes.AsSpan(offsets[b].Offset));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(end), Crc32.Compute(bytes.AsSpan(0, end)));

        var e = Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(bytes));
        Assert.Contains("must be sorted", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>Offset and length of each genesis entry; <paramref name="end"/> gets the offset of the starting state's checksum.</summary>
    private static List<(int Offset, int Length)> EntryOffsets(byte[] bytes, int first, out int end)
    {
        long count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(ChainFormat.FileHeaderSize));
        var offsets = new List<(int, int)>();
        int o = first;
        for (long i = 0; i < count; i++)
        {
            int start = o;
            byte kind = bytes[o + 20];
            o += ChainFormat.KeyPrefixSize;
            if (kind == (byte)StateKeyKind.Storage) o += 1 + bytes[o];
            o += 1 + bytes[o];
            offsets.Add((start, o - start));
        }
        end = o;
        return offsets;
    }
}
