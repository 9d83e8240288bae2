using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ParallelExec.State;

namespace ParallelExec.Crypto;

/// <summary>
/// Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3-256's 0x06).
/// One-shot, allocation-free.
/// </summary>
public static class Keccak256
{
    public const int RateBytes = 136;

    /// <summary>keccak256("") = 0xc5d2…a470, the code hash of an account without code.</summary>
    public static readonly Hash256 OfEmpty = Compute(ReadOnlySpan<byte>.Empty);

    public static Hash256 Compute(ReadOnlySpan<byte> input)
    {
        Span<byte> digest = stackalloc byte[32];
        Compute(input, digest);
        return new Hash256(digest);
    }

    [SkipLocalsInit]
    public static void Compute(ReadOnlySpan<byte> input, Span<byte> digest)
    {
        Span<ulong> state = stackalloc ulong[KeccakF1600.Lanes];
        state.Clear();
        while (input.Length >= RateBytes)
        {
            AbsorbBlock(state, input[..RateBytes]);
            KeccakF1600.Permute(state);
            input = input[RateBytes..];
        }
        Span<byte> last = stackalloc byte[RateBytes];
        last.Clear();
        input.CopyTo(last);
        last[input.Length] ^= 0x01;
        last[RateBytes - 1] ^= 0x80;
        AbsorbBlock(state, last);
        KeccakF1600.Permute(state);
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteUInt64LittleEndian(digest[(i * 8)..], state[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AbsorbBlock(Span<ulong> state, ReadOnlySpan<byte> block)
    {
        for (int i = 0; i < RateBytes / 8; i++) state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(block[(i * 8)..]);
    }
}
