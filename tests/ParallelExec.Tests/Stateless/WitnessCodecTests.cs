using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Stateless;

/// <summary>The witness file: exact round trip, and for any damage a one-line <see cref="WitnessFormatException"/> or a valid decode, nothing else.</summary>
public sealed class WitnessCodecTests
{
    private static byte[] SampleFile()
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = WorkloadKind.Mixed, Accounts = 60, TransactionsPerBlock = 40, Blocks = 1, Seed = 9 });
        var genesis = workload.Genesis.Clone();
        // Give every funded account code, so the witness lists code hashes.
        foreach (var (key, _) in workload.Genesis.Entries)
            if (key.Kind == StateKeyKind.Balance) genesis.Set(StateKey.CodeHash(key.Address), new UInt256((ulong)key.Address.GetHashCode() | 1));
        var (witness, _, _, _) = WitnessFixtures.Witness(genesis, workload.Blocks[0], new SequentialExecutor());
        return WitnessCodec.Encode(witness);
    }

    [Fact]
    public void A_witness_round_trips_exactly()
    {
        var bytes = SampleFile();
        var decoded = WitnessCodec.Decode(bytes);
        Assert.Equal(bytes, WitnessCodec.Encode(decoded));
        Assert.NotEmpty(decoded.Entries);
        Assert.NotEmpty(decoded.Nodes);
        Assert.NotEmpty(decoded.Codes); // the mixed workload has contracts
    }

    [Fact]
    public void A_witness_of_many_chunks_is_written_to_a_stream_as_one_file()
    {
        // Large enough that the stream writer hands its bytes over in several chunks, each folded into the checksum.
        var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = WorkloadKind.Mixed, Accounts = 3000, TransactionsPerBlock = 400, Blocks = 1, Seed = 11 });
        var (witness, _, _, _) = WitnessFixtures.Witness(workload.Genesis, workload.Blocks[0], new SequentialExecutor());
        using var stream = new MemoryStream();
        WitnessCodec.Write(stream, witness);
        var bytes = stream.ToArray();
        Assert.True(bytes.Length > 4 * (64 << 10), $"{bytes.Length} bytes: too small to cross chunks");
        Assert.Equal(ParallelExec.Blocks.Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)), BitConverter.ToUInt32(bytes, bytes.Length - 4));
        var decoded = WitnessCodec.Decode(bytes);
        Assert.Equal(witness.Entries, decoded.Entries);
        Assert.Equal(witness.Nodes.Count, decoded.Nodes.Count);
        for (int i = 0; i < witness.Nodes.Count; i++) Assert.Equal(witness.Nodes[i], decoded.Nodes[i]);
        Assert.Equal(witness.Codes, decoded.Codes);
        Assert.Equal(bytes, WitnessCodec.Encode(decoded));
    }

    [Fact]
    public void Damaged_files_give_one_line_format_errors_or_valid_witnesses()
    {
        var original = SampleFile();
        int rejected = 0;
        foreach (int seed in WitnessCaptureTests.Seeds(3000, 47_000))
        {
            var random = new Random(seed);
            var bytes = original.ToArray();
            switch (random.Next(4))
            {
                case 0:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                case 1:
                    for (int i = random.Next(1, 5); i > 0; i--) bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                    break;
                default:
                    // Damage inside a valid checksum, so the structural checks run (hostile lengths included).
                    for (int i = random.Next(1, 4); i > 0; i--) bytes[random.Next(8, bytes.Length - 4)] = (byte)random.Next(256);
                    var crc = ParallelExec.Blocks.Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4));
                    BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), crc);
                    break;
            }
            try
            {
                WitnessCodec.Decode(bytes);
            }
            catch (WitnessFormatException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                Assert.StartsWith("witness at byte ", e.Message);
                rejected++;
            }
        }
        Assert.True(rejected > 1000, $"only {rejected} damaged files were rejected");
    }

    [Fact]
    public void A_hostile_count_allocates_nothing_beyond_the_input()
    {
        var bytes = SampleFile();
        // The entry count right after the 48-byte header: claim ~2^62 entries.
        var hostile = bytes[..48].Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F }).Concat(new byte[4]).ToArray();
        var crc = ParallelExec.Blocks.Crc32.Compute(hostile.AsSpan(0, hostile.Length - 4));
        BitConverter.TryWriteBytes(hostile.AsSpan(hostile.Length - 4), crc);
        var e = Assert.Throws<WitnessFormatException>(() => WitnessCodec.Decode(hostile));
        Assert.Contains("entry count", e.Message);
        Assert.Contains("cannot fit", e.Message);
    }
}
