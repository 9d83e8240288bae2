using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ParallelExec.State;

namespace ParallelExec.Crypto;

/// <summary>
/// Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3-256's 0x06).
/// One-shot, allocation-free: input lanes are XORed straight into the state (no block copy).
/// </summary>
public static class Keccak256
{
    /// <summary>The sponge's rate: bytes absorbed per permutation.</summary>
    public const int RateBytes = 136;
    private const int RateLanes = RateBytes / 8;

    /// <summary>keccak256("") = 0xc5d2…a470, the code hash of an account without code.</summary>
    public static readonly Hash256 OfEmpty = Compute(ReadOnlySpan<byte>.Empty);

    /// <summary>Keccak-256 of <paramref name="input"/> (Ethereum's hash, not SHA3-256).</summary>
    [SkipLocalsInit]
    public static Hash256 Compute(ReadOnlySpan<byte> input)
    {
        Span<byte> digest = stackalloc byte[32];
        Compute(input, digest);
        return new Hash256(digest);
    }

    /// <summary>Writes the 32-byte digest of <paramref name="input"/> into <paramref name="digest"/>.</summary>
    [SkipLocalsInit]
    public static void Compute(ReadOnlySpan<byte> input, Span<byte> digest)
    {
        if (digest.Length < 32) throw new ArgumentException("the digest needs 32 bytes", nameof(digest));
        Span<ulong> state = stackalloc ulong[KeccakF1600.Lanes];
        state.Clear();
        while (input.Length >= RateBytes)
        {
            AbsorbLanes(state, input[..RateBytes]);
            KeccakF1600.Permute(state);
            input = input[RateBytes..];
        }

        // Final partial block: whole lanes straight from the input, the tail in one padded lane.
        int fullLanes = input.Length >> 3;
        AbsorbLanes(state, input[..(fullLanes << 3)]);
        var tail = input[(fullLanes << 3)..];
        ulong last = 0;
        for (int i = tail.Length - 1; i >= 0; i--) last = (last << 8) | tail[i];
        last |= 0x01UL << (tail.Length << 3);
        state[fullLanes] ^= last;
        state[RateLanes - 1] ^= 0x80UL << 56;
        KeccakF1600.Permute(state);

        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(state[..4]).CopyTo(digest);
        }
        else
        {
            for (int i = 0; i < 4; i++) BinaryPrimitives.WriteUInt64LittleEndian(digest[(i * 8)..], state[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AbsorbLanes(Span<ulong> state, ReadOnlySpan<byte> bytes)
    {
        if (BitConverter.IsLittleEndian)
        {
            var lanes = MemoryMarshal.Cast<byte, ulong>(bytes);
            for (int i = 0; i < lanes.Length; i++) state[i] ^= lanes[i];
        }
        else
        {
            for (int i = 0; i < bytes.Length >> 3; i++) state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]);
        }
    }
}
