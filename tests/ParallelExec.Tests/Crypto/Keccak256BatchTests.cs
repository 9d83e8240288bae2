using System.Text;
using ParallelExec.Crypto;
using Xunit.Sdk;

namespace ParallelExec.Tests.Crypto;

/// <summary>
/// Every batch path (AVX-512, AVX2, scalar) against the scalar <see cref="Keccak256"/>, each path run
/// explicitly whatever the machine's widest is. A path the machine lacks must refuse to run.
/// </summary>
public class Keccak256BatchTests
{
    private const int MaxLength = 600;

    // Paths by name: the enum is internal, and theory parameters must be public types.
    public static TheoryData<string> Paths() => new("Scalar", "Vector256", "Vector512", "Auto");

    public static TheoryData<string, int> PathsAndSeeds()
    {
        var data = new TheoryData<string, int>();
        foreach (var path in new[] { "Scalar", "Vector256", "Vector512" })
        {
            foreach (int seed in new[] { 1, 2, 3, 20261123 }) data.Add(path, seed);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_length_up_to_600_matches_scalar(string pathName)
    {
        var path = Enum.Parse<KeccakBatchPath>(pathName);
        if (!Keccak256Batch.IsSupported(path))
        {
            AssertRefused(path);
            return;
        }
        const int seed = 600;
        var random = new Random(seed);
        // Nine inputs of each length: more than eight lanes, so lanes are refilled and the tail runs.
        for (int length = 0; length <= MaxLength; length++)
        {
            var lengths = Enumerable.Repeat(length, 9).ToArray();
            CheckBatch(random, lengths, path, $"seed {seed}, length {length}");
        }
        // One batch holding every length, in order and shuffled.
        var all = Enumerable.Range(0, MaxLength + 1).ToArray();
        CheckBatch(random, all, path, $"seed {seed}, all lengths in order");
        random.Shuffle(all);
        CheckBatch(random, all, path, $"seed {seed}, all lengths shuffled");
    }

    [Theory]
    [MemberData(nameof(PathsAndSeeds))]
    public void Mixed_length_batches_of_1_to_40_match_scalar(string pathName, int seed)
    {
        var path = Enum.Parse<KeccakBatchPath>(pathName);
        if (!Keccak256Batch.IsSupported(path))
        {
            AssertRefused(path);
            return;
        }
        var random = new Random(seed);
        for (int count = 1; count <= 40; count++)
        {
            for (int round = 0; round < 5; round++)
            {
                var lengths = new int[count];
                for (int i = 0; i < count; i++) lengths[i] = RandomLength(random);
                CheckBatch(random, lengths, path, $"seed {seed}, batch of {count}, round {round}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Overlapping_inputs_in_one_buffer_match_scalar(string pathName)
    {
        var path = Enum.Parse<KeccakBatchPath>(pathName);
        if (!Keccak256Batch.IsSupported(path)) return; // refusal is covered above
        const int seed = 77;
        var random = new Random(seed);
        var source = new byte[2048];
        random.NextBytes(source);
        const int count = 33;
        var offsets = new int[count];
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            offsets[i] = random.Next(source.Length);
            lengths[i] = random.Next(Math.Min(MaxLength, source.Length - offsets[i]) + 1);
        }
        var digests = new byte[count * 32];
        Keccak256Batch.Compute(source, offsets, lengths, digests, path);
        for (int i = 0; i < count; i++)
        {
            Expect(source.AsSpan(offsets[i], lengths[i]), digests.AsSpan(i * 32, 32), $"seed {seed}, {path}, input {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Known_digests_and_nothing_written_past_the_last(string pathName)
    {
        var path = Enum.Parse<KeccakBatchPath>(pathName);
        if (!Keccak256Batch.IsSupported(path)) return;
        var texts = new[] { "", "abc", "The quick brown fox jumps over the lazy dog" };
        var source = Encoding.ASCII.GetBytes(string.Concat(texts));
        var offsets = new[] { 0, 0, 3 };
        var lengths = texts.Select(t => t.Length).ToArray();
        var digests = new byte[3 * 32 + 5];
        digests.AsSpan(96).Fill(0xEE);
        Keccak256Batch.Compute(source, offsets, lengths, digests, path);
        Assert.Equal("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", Convert.ToHexStringLower(digests, 0, 32));
        Assert.Equal("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45", Convert.ToHexStringLower(digests, 32, 32));
        Assert.Equal("4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15", Convert.ToHexStringLower(digests, 64, 32));
        Assert.All(digests[96..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void Wide_permutations_match_the_scalar_one_state_by_state()
    {
        const int seed = 5;
        var random = new Random(seed);
        if (KeccakF1600x8.IsSupported) CheckPermutation<KeccakF1600x8>(random, $"seed {seed}");
        if (KeccakF1600x4.IsSupported) CheckPermutation<KeccakF1600x4>(random, $"seed {seed}");
    }

    private static unsafe void CheckPermutation<T>(Random random, string context) where T : struct, IKeccakF1600Lanes
    {
        int width = T.Width;
        var lanes = new ulong[KeccakF1600.Lanes * width];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
        var expected = new ulong[width][];
        for (int s = 0; s < width; s++)
        {
            expected[s] = new ulong[KeccakF1600.Lanes];
            for (int j = 0; j < KeccakF1600.Lanes; j++) expected[s][j] = lanes[j * width + s];
            KeccakF1600.Permute(expected[s]);
        }
        fixed (ulong* state = lanes) T.Permute(state);
        for (int s = 0; s < width; s++)
        {
            for (int j = 0; j < KeccakF1600.Lanes; j++)
            {
                if (lanes[j * width + s] != expected[s][j]) throw new XunitException($"{context}, {typeof(T).Name}: state {s} lane {j} differs");
            }
        }
    }

    [Fact]
    public void An_empty_batch_does_nothing()
    {
        Keccak256Batch.Compute(ReadOnlySpan<byte>.Empty, ReadOnlySpan<int>.Empty, ReadOnlySpan<int>.Empty, Span<byte>.Empty);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var source = new byte[10];
        var digests = new byte[64];
        Assert.Throws<ArgumentException>(() => Keccak256Batch.Compute(source, new[] { 0, 1 }, new[] { 1 }, digests));
        Assert.Throws<ArgumentException>(() => Keccak256Batch.Compute(source, new[] { 0, 1, 2 }, new[] { 1, 1, 1 }, digests));
        Assert.Throws<ArgumentOutOfRangeException>(() => Keccak256Batch.Compute(source, new[] { 5 }, new[] { 6 }, digests));
        Assert.Throws<ArgumentOutOfRangeException>(() => Keccak256Batch.Compute(source, new[] { 11 }, new[] { 0 }, digests));
        Assert.Throws<ArgumentOutOfRangeException>(() => Keccak256Batch.Compute(source, new[] { -1 }, new[] { 1 }, digests));
        Assert.Throws<ArgumentOutOfRangeException>(() => Keccak256Batch.Compute(source, new[] { 0 }, new[] { -1 }, digests));
    }

    /// <summary>Lengths near the 136-byte block boundaries half the time, anywhere in 0..600 otherwise.</summary>
    private static int RandomLength(Random random)
    {
        if (random.Next(2) == 0) return random.Next(MaxLength + 1);
        int boundary = Keccak256.RateBytes * random.Next(1, 5);
        return Math.Clamp(boundary + random.Next(-9, 9), 0, MaxLength);
    }

    /// <summary>Lays the inputs out back to back in one buffer (as the trie does), hashes them as one batch, compares.</summary>
    private static void CheckBatch(Random random, int[] lengths, KeccakBatchPath path, string context)
    {
        var offsets = new int[lengths.Length];
        int total = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            offsets[i] = total;
            total += lengths[i];
        }
        var source = new byte[total];
        random.NextBytes(source);
        var digests = new byte[lengths.Length * 32];
        Keccak256Batch.Compute(source, offsets, lengths, digests, path);
        for (int i = 0; i < lengths.Length; i++)
        {
            Expect(source.AsSpan(offsets[i], lengths[i]), digests.AsSpan(i * 32, 32), $"{context}, {path}, input {i} of length {lengths[i]}");
        }
    }

    private static void Expect(ReadOnlySpan<byte> input, ReadOnlySpan<byte> digest, string context)
    {
        Span<byte> expected = stackalloc byte[32];
        Keccak256.Compute(input, expected);
        if (!digest.SequenceEqual(expected))
        {
            throw new XunitException($"{context}: batch {Convert.ToHexStringLower(digest)}, scalar {Convert.ToHexStringLower(expected)}");
        }
    }

    private static void AssertRefused(KeccakBatchPath path)
    {
        var digests = new byte[32];
        Assert.Throws<PlatformNotSupportedException>(() => Keccak256Batch.Compute(new byte[1], new[] { 0 }, new[] { 1 }, digests, path));
    }
}
