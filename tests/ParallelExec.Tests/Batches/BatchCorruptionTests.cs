using System.Buffers.Binary;
using ParallelExec.Batches;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Transactions;
using ParallelExec.Tests.Blocks;
using ParallelExec.Workloads;
using Xunit.Abstractions;

namespace ParallelExec.Tests.Batches;

public class BatchCorruptionTests(ITestOutputHelper output)
{
    private static (byte[] Bytes, AccountDirectory Directory) Valid(HintMode hints = HintMode.Unreliable)
    {
        var workload = ChainTestFiles.Workload(WorkloadKind.Mixed, blocks: 3, txs: 40, hints: hints);
        var directory = AccountDirectory.FromState(workload.Genesis);
        var blocks = workload.Blocks.Select((b, i) => new ChainBlock(b, new Hash256(Enumerable.Repeat((byte)(i + 1), 32).ToArray()))).ToList();
        var random = BatchTestBlocks.Random(11, workload.Genesis, blocks: 2);
        // Both the generated kinds and the random fields (escapes, explicit hints) in one batch.
        long next = blocks[^1].Number + 1;
        blocks.AddRange(random.Select((b, i) => new ChainBlock(new Block(new BlockHeader(next + i, b.Header.Beneficiary), b.Transactions), b.ExpectedRoot)));
        return (BatchEncoder.Encode(blocks, new BatchEncoderOptions { Directory = directory }).Bytes, directory);
    }

    /// <summary>Recomputes the trailing CRC-32 (so a mutation reaches the structural checks).</summary>
    private static void FixCrc(byte[] batch) =>
        BinaryPrimitives.WriteUInt32LittleEndian(batch.AsSpan(batch.Length - 4), Crc32.Compute(batch.AsSpan(0, batch.Length - 4)));

    [Fact]
    public void Bad_magic_version_truncation_and_corruption_each_get_one_line_naming_where()
    {
        var (valid, directory) = Valid();
        var badMagic = (byte[])valid.Clone();
        badMagic[0] = (byte)'Q';
        Assert.Equal("batch header at byte 0: not a batch (bad magic)", Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(badMagic, directory)).Message);

        var version = (byte[])valid.Clone();
        version[4] = 2;
        Assert.Contains("unsupported batch version 2", Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(version, directory)).Message);

        var truncated = valid[..^10];
        Assert.Contains("checksum mismatch", Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(truncated, directory)).Message);
        Assert.Contains("truncated", Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(valid[..20], directory)).Message);

        var flipped = (byte[])valid.Clone();
        flipped[valid.Length / 2] ^= 0x10;
        var corrupt = Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(flipped, directory));
        Assert.Contains("checksum mismatch", corrupt.Message);
        Assert.DoesNotContain('\n', corrupt.Message);

        var noDirectory = Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(valid));
        Assert.Contains("no genesis was given", noDirectory.Message);
        var other = AccountDirectory.FromState(ChainTestFiles.Workload(WorkloadKind.P2p, seed: 9).Genesis);
        Assert.Contains("the genesis given has", Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(valid, other)).Message);
    }

    [Fact]
    public void A_structural_error_names_its_block_and_transaction()
    {
        var alice = Address.FromNumber(1, 1);
        var bob = Address.FromNumber(2, 1);
        var blocks = new List<ChainBlock>
        {
            new(new Block(new BlockHeader(7, bob), [new ValueTransfer(alice, 0, 1, bob, 5)])),
            new(new Block(new BlockHeader(8, bob), [new ValueTransfer(bob, 0, 1, alice, 5), new ValueTransfer(alice, 1, 1, bob, 3)])),
        };
        var batch = BatchEncoder.Encode(blocks).Bytes;
        var bad = (byte[])batch.Clone();
        bad[6] = 0x80;
        FixCrc(bad);
        Assert.Equal("batch header at byte 6: unknown batch flags 0x0080", Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(bad)).Message);
        // The last transfer is 4 bytes before the checksum: head, sender, recipient, amount (its nonce is implied).
        int lastAt = batch.Length - 4 - 4;
        Assert.Equal((int)BatchTransactionKind.ValueTransfer, batch[lastAt]);
        bad = (byte[])batch.Clone();
        bad[lastAt] = 6;
        FixCrc(bad);
        Assert.Equal($"block 8 transaction 1 at byte {lastAt}: unknown transaction kind 6", Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(bad)).Message);
        bad = (byte[])batch.Clone();
        bad[lastAt + 2] = 40; // the recipient: table entry 20 of 2
        FixCrc(bad);
        Assert.Equal($"block 8 transaction 1 at byte {lastAt + 2}: recipient names table entry 20, past the batch's 2 entries",
            Assert.Throws<BatchFormatException>(() => BatchDecoder.Decode(bad)).Message);
    }

    [Fact]
    public void Fuzzed_batches_decode_or_fail_cleanly_with_bounded_allocation()
    {
        var (valid, directory) = Valid();
        BatchDecoder.Decode(valid, directory); // warm up: the first decode allocates static state
        int cleanErrors = 0, decodes = 0;
        const int seeds = 3000;
        for (int seed = 0; seed < seeds; seed++)
        {
            var random = new Random(seed);
            var bytes = (byte[])valid.Clone();
            int mode = random.Next(4);
            if (mode == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }
            else
            {
                int flips = random.Next(1, 5);
                for (int f = 0; f < flips; f++)
                {
                    int at = random.Next(bytes.Length - 4);
                    bytes[at] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => (byte)(bytes[at] ^ (1 << random.Next(8))), _ => 0xFF };
                }
            }
            if (mode != 3 && bytes.Length >= 4) FixCrc(bytes); // mode 3: the checksum is left stale and must catch it
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                BatchDecoder.Decode(bytes, directory);
                decodes++;
            }
            catch (BatchFormatException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                cleanErrors++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}: {e.GetType().Name}: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64L * valid.Length + (1 << 20), $"seed {seed}: decoding {bytes.Length} bytes allocated {allocated:N0}");
        }
        output.WriteLine($"{seeds} fuzzed batches of {valid.Length} bytes: {cleanErrors} rejected, {decodes} decoded");
        Assert.True(cleanErrors > seeds / 2);
    }
}
