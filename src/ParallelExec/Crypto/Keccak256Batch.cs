using System.Runtime.CompilerServices;

namespace ParallelExec.Crypto;

/// <summary>
/// Keccak-256 of many independent inputs at once, for callers that have a batch (one trie level):
/// AVX-512 permutes eight states per instruction stream, AVX2 four, otherwise each input goes
/// through <see cref="Keccak256"/>. Inputs may differ in length: each vector lane is a stream that
/// takes the next input as soon as its current one is finished, so lanes stay busy whatever the mix
/// of block counts. Results are identical to <see cref="Keccak256.Compute(ReadOnlySpan{byte}, Span{byte})"/>.
/// Allocation-free.
/// </summary>
public static class Keccak256Batch
{
    /// <summary>Bytes of a Keccak-256 digest.</summary>
    public const int DigestLength = 32;

    private const int RateBytes = Keccak256.RateBytes;
    private const int RateLanes = RateBytes / 8;
    private const int MaxWidth = 8;

    private static readonly KeccakBatchPath Best =
        KeccakF1600x8.IsSupported ? KeccakBatchPath.Vector512
        : KeccakF1600x4.IsSupported ? KeccakBatchPath.Vector256
        : KeccakBatchPath.Scalar;

    internal static bool IsSupported(KeccakBatchPath path) => path switch
    {
        KeccakBatchPath.Auto or KeccakBatchPath.Scalar => true,
        KeccakBatchPath.Vector256 => KeccakF1600x4.IsSupported,
        KeccakBatchPath.Vector512 => KeccakF1600x8.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Hashes input i, the bytes <c>source[offsets[i] .. offsets[i] + lengths[i]]</c>, into
    /// <c>digests[32 * i .. 32 * i + 32]</c>. Inputs may overlap and have any lengths.
    /// </summary>
    public static void Compute(ReadOnlySpan<byte> source, ReadOnlySpan<int> offsets, ReadOnlySpan<int> lengths, Span<byte> digests) =>
        Compute(source, offsets, lengths, digests, Best);

    /// <summary>As the public overload, on a chosen path (tests run every path this machine supports).</summary>
    internal static unsafe void Compute(ReadOnlySpan<byte> source, ReadOnlySpan<int> offsets, ReadOnlySpan<int> lengths, Span<byte> digests, KeccakBatchPath path)
    {
        int count = offsets.Length;
        if (lengths.Length != count) throw new ArgumentException("offsets and lengths differ in count", nameof(lengths));
        if (digests.Length < (long)count * DigestLength) throw new ArgumentException($"{count} digests need {(long)count * DigestLength} bytes", nameof(digests));
        for (int i = 0; i < count; i++)
        {
            // Checked once here so the vector paths can read through pointers.
            if ((uint)offsets[i] > (uint)source.Length || (uint)lengths[i] > (uint)(source.Length - offsets[i]))
            {
                throw new ArgumentOutOfRangeException(nameof(offsets), $"input {i} ({offsets[i]}, {lengths[i]}) lies outside the {source.Length}-byte source");
            }
        }
        if (path == KeccakBatchPath.Auto) path = Best;
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"the {path} Keccak path needs instructions this machine lacks");

        switch (path)
        {
            case KeccakBatchPath.Vector512:
                fixed (byte* src = source)
                fixed (byte* dst = digests)
                {
                    Run<KeccakF1600x8>(src, offsets, lengths, dst);
                }
                break;
            case KeccakBatchPath.Vector256:
                fixed (byte* src = source)
                fixed (byte* dst = digests)
                {
                    Run<KeccakF1600x4>(src, offsets, lengths, dst);
                }
                break;
            default:
                for (int i = 0; i < count; i++)
                {
                    Keccak256.Compute(source.Slice(offsets[i], lengths[i]), digests.Slice(i * DigestLength, DigestLength));
                }
                break;
        }
    }

    /// <summary>
    /// Runs every input through <typeparamref name="T"/>'s lanes: before each permutation an idle lane
    /// takes the next input, every busy lane absorbs one block, and after it a lane whose padded last
    /// block went in yields its digest. When no inputs are left and one lane is busy, it finishes on
    /// the scalar permutation, which is cheaper than an otherwise empty vector one.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void Run<T>(byte* source, ReadOnlySpan<int> offsets, ReadOnlySpan<int> lengths, byte* digests)
        where T : struct, IKeccakF1600Lanes
    {
        int width = T.Width;
        // A wide permutation costs 0.9-1.4 scalar ones (measured on Zen 4, x4 and x8): one busy lane
        // is cheaper on the scalar permutation, two are not.
        const int scalarTail = 1;
        byte* raw = stackalloc byte[25 * MaxWidth * sizeof(ulong) + 63];
        ulong* state = (ulong*)(((nint)raw + 63) & ~(nint)63); // aligned: no vector load splits a cache line
        int* lane = stackalloc int[MaxWidth];     // input a lane works on, -1 when idle
        int* absorbed = stackalloc int[MaxWidth]; // bytes of it absorbed; length + 1 once the padding is in
        for (int s = 0; s < width; s++) lane[s] = -1;

        int count = offsets.Length;
        int next = 0;
        int busy = 0;
        while (true)
        {
            for (int s = 0; s < width && next < count; s++)
            {
                if (lane[s] >= 0) continue;
                lane[s] = next++;
                absorbed[s] = 0;
                for (int j = 0; j < KeccakF1600.Lanes; j++) state[j * width + s] = 0;
                busy++;
            }
            if (busy == 0) return;
            if (next == count && busy <= scalarTail)
            {
                for (int s = 0; s < width; s++)
                {
                    int i = lane[s];
                    if (i >= 0) FinishScalar(state + s, width, source + offsets[i], lengths[i], absorbed[s], digests + i * DigestLength);
                }
                return;
            }

            for (int s = 0; s < width; s++)
            {
                int i = lane[s];
                if (i >= 0) absorbed[s] = AbsorbBlock(state + s, width, source + offsets[i], lengths[i], absorbed[s]);
            }
            T.Permute(state);
            for (int s = 0; s < width; s++)
            {
                int i = lane[s];
                if (i < 0 || absorbed[s] <= lengths[i]) continue;
                WriteDigest(state + s, width, digests + i * DigestLength);
                lane[s] = -1;
                busy--;
            }
        }
    }

    /// <summary>
    /// XORs the next block of an input into one state (its lanes <paramref name="stride"/> apart):
    /// a whole rate block, or the rest with Keccak's 0x01 … 0x80 padding. Returns the new absorbed count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int AbsorbBlock(ulong* state, int stride, byte* input, int length, int absorbed)
    {
        byte* block = input + absorbed;
        int left = length - absorbed;
        if (left >= RateBytes)
        {
            for (int j = 0; j < RateLanes; j++) state[j * stride] ^= Unsafe.ReadUnaligned<ulong>(block + j * 8);
            return absorbed + RateBytes;
        }
        int fullLanes = left >> 3;
        for (int j = 0; j < fullLanes; j++) state[j * stride] ^= Unsafe.ReadUnaligned<ulong>(block + j * 8);
        byte* tail = block + (fullLanes << 3);
        int tailLength = left & 7;
        ulong last = 0;
        for (int k = tailLength - 1; k >= 0; k--) last = (last << 8) | tail[k];
        state[fullLanes * stride] ^= last | (0x01UL << (tailLength << 3));
        state[(RateLanes - 1) * stride] ^= 0x80UL << 56;
        return length + 1;
    }

    /// <summary>Takes one state out of the vector lanes and absorbs the rest of its input on the scalar permutation.</summary>
    [SkipLocalsInit]
    private static unsafe void FinishScalar(ulong* lanes, int stride, byte* input, int length, int absorbed, byte* digest)
    {
        ulong* state = stackalloc ulong[KeccakF1600.Lanes];
        for (int j = 0; j < KeccakF1600.Lanes; j++) state[j] = lanes[j * stride];
        while (absorbed <= length)
        {
            absorbed = AbsorbBlock(state, 1, input, length, absorbed);
            KeccakF1600.Permute(new Span<ulong>(state, KeccakF1600.Lanes));
        }
        WriteDigest(state, 1, digest);
    }

    /// <summary>The digest is the first four lanes, little-endian (the vector paths run only on x86).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteDigest(ulong* state, int stride, byte* digest)
    {
        for (int j = 0; j < 4; j++) Unsafe.WriteUnaligned(digest + j * 8, state[j * stride]);
    }
}
