using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Blocks;

/// <summary>
/// Throws thousands of random and mutated files at the reader (seeded, reproducible). The only
/// exception allowed is <see cref="ChainFormatException"/>; half of the mutations re-seal the block
/// checksum so the decoder itself, not just the CRC, sees the damage. No file may make the reader
/// allocate beyond a bound set by the reader's limits and the file's size (a length field that
/// claims 4 GB must be refused before anything is allocated).
/// </summary>
public class ChainFuzzTests
{
    private static readonly ChainReaderOptions Small = new() { MaxBlockBytes = 1 << 20, MaxGenesisEntries = 100_000 };

    [Fact]
    public void Random_and_mutated_files_only_ever_raise_ChainFormatException()
    {
        var sources = new[]
        {
            ChainTestFiles.Bytes(ChainTestFiles.Workload(WorkloadKind.Mixed, blocks: 2, txs: 12, hints: HintMode.Exact)),
            ChainTestFiles.Bytes(ChainTestFiles.Workload(WorkloadKind.Amm, blocks: 2, txs: 8, hints: HintMode.Unreliable),
                (i, b) => b.WithRecord(new ParallelExec.State.Hash256(new byte[32].Select((_, k) => (byte)(k + i + 1)).ToArray()), [(0, 1), (1, 3)])),
        };
        var offsets = sources.Select(ChainTestFiles.RecordOffsets).ToArray();
        var random = new Random(20240607);
        int iterations = 4000, rejected = 0, accepted = 0;
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            int s = random.Next(sources.Length);
            byte[] bytes = Mutate(sources[s], offsets[s], random, out string how);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                ChainTestFiles.ReadAll(bytes, options: Small);
                accepted++;
            }
            catch (ChainFormatException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {iteration} ({how}): {e.GetType().Name}: {e.Message}");
            }
            // Proportional to the file, not to what its length fields claim (the reader's own limit
            // here is 1 MiB, far above this bound for files of a few KiB): the worst seen is ~68 KiB.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= 64 * 1024 + 64L * bytes.Length,
                $"iteration {iteration} ({how}): {allocated:N0} bytes allocated for a {bytes.Length:N0}-byte file");
        }
        Assert.True(rejected > iterations / 2, $"only {rejected} of {iterations} rejected");
    }

    private static byte[] Mutate(byte[] source, List<long> records, Random random, out string how)
    {
        switch (random.Next(8))
        {
            case 0:
            {
                how = "random bytes";
                var bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                if (bytes.Length >= 4 && random.Next(2) == 0) ChainFormat.Magic.CopyTo(bytes);
                return bytes;
            }
            case 1:
                how = "truncated";
                return source[..random.Next(source.Length)];
            case 2:
            {
                how = "flipped bytes";
                var bytes = (byte[])source.Clone();
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            }
            case 3:
            {
                how = "random length field";
                var bytes = (byte[])source.Clone();
                int record = (int)records[random.Next(records.Count)];
                if (bytes[record] == ChainFormat.BlockTag)
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(record + 1), (uint)random.NextInt64(0, uint.MaxValue + 1L));
                return bytes;
            }
            default:
            {
                // Damage a block payload and re-seal its checksum: exercises the decoder's own checks.
                how = "resealed payload mutation";
                var bytes = (byte[])source.Clone();
                int r = random.Next(records.Count);
                int record = (int)records[r];
                if (bytes[record] != ChainFormat.BlockTag) return bytes;
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(record + 1));
                int payload = record + 5;
                int edits = random.Next(1, 4);
                for (int k = 0; k < edits; k++)
                {
                    int at = payload + random.Next(length);
                    bytes[at] = random.Next(3) switch
                    {
                        0 => (byte)random.Next(256),
                        1 => 0xFF,
                        _ => (byte)(bytes[at] ^ (1 << random.Next(8))),
                    };
                }
                ChainTestFiles.FixCrc(bytes, record);
                return bytes;
            }
        }
    }
}
