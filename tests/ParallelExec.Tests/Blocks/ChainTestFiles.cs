using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Blocks;

/// <summary>Small chain files for the tests, and helpers to locate and patch their records.</summary>
internal static class ChainTestFiles
{
    public static Workload Workload(WorkloadKind kind = WorkloadKind.Mixed, int blocks = 3, int txs = 40, HintMode hints = HintMode.Exact, ulong seed = 5) =>
        WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = kind, Accounts = 30, TransactionsPerBlock = txs, Blocks = blocks, Seed = seed, Hints = hints, Pools = 2,
        });

    public static byte[] Bytes(Workload workload, Func<int, ChainBlock, ChainBlock>? map = null, TransactionCodecRegistry? registry = null)
    {
        using var stream = new MemoryStream();
        using (var writer = new ChainWriter(stream, ChainStart.FromGenesis(workload.Genesis), registry, leaveOpen: true))
        {
            for (int i = 0; i < workload.Blocks.Length; i++)
            {
                var block = new ChainBlock(workload.Blocks[i]);
                writer.WriteBlock(map is null ? block : map(i, block));
            }
            writer.Complete();
        }
        return stream.ToArray();
    }

    public static string TempFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pxb-tests");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, $"{Guid.NewGuid():N}.pxb");
    }

    /// <summary>Offsets of every record (each block's, then the end record's).</summary>
    public static List<long> RecordOffsets(byte[] file)
    {
        using var reader = new ChainReader(new MemoryStream(file));
        var offsets = new List<long> { reader.Offset };
        while (reader.ReadNext() is not null) offsets.Add(reader.Offset);
        offsets.RemoveAt(offsets.Count - 1); // the position after the end record
        return offsets;
    }

    /// <summary>Recomputes the CRC of the block record at <paramref name="offset"/> (after a deliberate edit).</summary>
    public static void FixCrc(byte[] file, long offset)
    {
        int at = (int)offset;
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 1));
        var covered = file.AsSpan(at + 1, 4 + (int)length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at + 5 + (int)length), Crc32.Compute(covered));
    }

    /// <summary>Reads a whole file from memory; returns the blocks.</summary>
    public static List<ChainBlock> ReadAll(byte[] file, TransactionCodecRegistry? registry = null, ChainReaderOptions? options = null)
    {
        using var reader = new ChainReader(new MemoryStream(file), registry, options);
        return reader.ReadBlocks().ToList();
    }

    /// <summary>A stream of the bytes that cannot seek or tell its length, as a pipe or a socket.</summary>
    public sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
