using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ParallelExec.Crypto;

/// <summary>
/// Keccak-f[1600] on four independent states at once with AVX2 only: lane j of state s is element s
/// of the j-th <see cref="Vector256{T}"/>. AVX2 has no vector rotate, so a rotate is two shifts and an OR.
/// Generated from the same rho/pi tables as <see cref="KeccakF1600"/>; checked against it by the batch tests.
/// </summary>
internal readonly struct KeccakF1600x4 : IKeccakF1600Lanes
{
    public static int Width => 4;

    public static bool IsSupported => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    [SkipLocalsInit]
    public static unsafe void Permute(ulong* state)
    {
        var a00 = Vector256.Load(state + 0);
        var a01 = Vector256.Load(state + 4);
        var a02 = Vector256.Load(state + 8);
        var a03 = Vector256.Load(state + 12);
        var a04 = Vector256.Load(state + 16);
        var a05 = Vector256.Load(state + 20);
        var a06 = Vector256.Load(state + 24);
        var a07 = Vector256.Load(state + 28);
        var a08 = Vector256.Load(state + 32);
        var a09 = Vector256.Load(state + 36);
        var a10 = Vector256.Load(state + 40);
        var a11 = Vector256.Load(state + 44);
        var a12 = Vector256.Load(state + 48);
        var a13 = Vector256.Load(state + 52);
        var a14 = Vector256.Load(state + 56);
        var a15 = Vector256.Load(state + 60);
        var a16 = Vector256.Load(state + 64);
        var a17 = Vector256.Load(state + 68);
        var a18 = Vector256.Load(state + 72);
        var a19 = Vector256.Load(state + 76);
        var a20 = Vector256.Load(state + 80);
        var a21 = Vector256.Load(state + 84);
        var a22 = Vector256.Load(state + 88);
        var a23 = Vector256.Load(state + 92);
        var a24 = Vector256.Load(state + 96);
        for (int round = 0; round < 24; round++)
        {
            var c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
            var c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
            var c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
            var c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
            var c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
            var d0 = c4 ^ Rotl(c1, 1);
            var d1 = c0 ^ Rotl(c2, 1);
            var d2 = c1 ^ Rotl(c3, 1);
            var d3 = c2 ^ Rotl(c4, 1);
            var d4 = c3 ^ Rotl(c0, 1);
            var b00 = a00 ^ d0;
            var b16 = Rotl(a05 ^ d0, 36);
            var b07 = Rotl(a10 ^ d0, 3);
            var b23 = Rotl(a15 ^ d0, 41);
            var b14 = Rotl(a20 ^ d0, 18);
            var b10 = Rotl(a01 ^ d1, 1);
            var b01 = Rotl(a06 ^ d1, 44);
            var b17 = Rotl(a11 ^ d1, 10);
            var b08 = Rotl(a16 ^ d1, 45);
            var b24 = Rotl(a21 ^ d1, 2);
            var b20 = Rotl(a02 ^ d2, 62);
            var b11 = Rotl(a07 ^ d2, 6);
            var b02 = Rotl(a12 ^ d2, 43);
            var b18 = Rotl(a17 ^ d2, 15);
            var b09 = Rotl(a22 ^ d2, 61);
            var b05 = Rotl(a03 ^ d3, 28);
            var b21 = Rotl(a08 ^ d3, 55);
            var b12 = Rotl(a13 ^ d3, 25);
            var b03 = Rotl(a18 ^ d3, 21);
            var b19 = Rotl(a23 ^ d3, 56);
            var b15 = Rotl(a04 ^ d4, 27);
            var b06 = Rotl(a09 ^ d4, 20);
            var b22 = Rotl(a14 ^ d4, 39);
            var b13 = Rotl(a19 ^ d4, 8);
            var b04 = Rotl(a24 ^ d4, 14);
            a00 = b00 ^ Vector256.AndNot(b02, b01);
            a01 = b01 ^ Vector256.AndNot(b03, b02);
            a02 = b02 ^ Vector256.AndNot(b04, b03);
            a03 = b03 ^ Vector256.AndNot(b00, b04);
            a04 = b04 ^ Vector256.AndNot(b01, b00);
            a05 = b05 ^ Vector256.AndNot(b07, b06);
            a06 = b06 ^ Vector256.AndNot(b08, b07);
            a07 = b07 ^ Vector256.AndNot(b09, b08);
            a08 = b08 ^ Vector256.AndNot(b05, b09);
            a09 = b09 ^ Vector256.AndNot(b06, b05);
            a10 = b10 ^ Vector256.AndNot(b12, b11);
            a11 = b11 ^ Vector256.AndNot(b13, b12);
            a12 = b12 ^ Vector256.AndNot(b14, b13);
            a13 = b13 ^ Vector256.AndNot(b10, b14);
            a14 = b14 ^ Vector256.AndNot(b11, b10);
            a15 = b15 ^ Vector256.AndNot(b17, b16);
            a16 = b16 ^ Vector256.AndNot(b18, b17);
            a17 = b17 ^ Vector256.AndNot(b19, b18);
            a18 = b18 ^ Vector256.AndNot(b15, b19);
            a19 = b19 ^ Vector256.AndNot(b16, b15);
            a20 = b20 ^ Vector256.AndNot(b22, b21);
            a21 = b21 ^ Vector256.AndNot(b23, b22);
            a22 = b22 ^ Vector256.AndNot(b24, b23);
            a23 = b23 ^ Vector256.AndNot(b20, b24);
            a24 = b24 ^ Vector256.AndNot(b21, b20);
            a00 ^= Vector256.Create(KeccakF1600.RoundConstants[round]);
        }
        a00.Store(state + 0);
        a01.Store(state + 4);
        a02.Store(state + 8);
        a03.Store(state + 12);
        a04.Store(state + 16);
        a05.Store(state + 20);
        a06.Store(state + 24);
        a07.Store(state + 28);
        a08.Store(state + 32);
        a09.Store(state + 36);
        a10.Store(state + 40);
        a11.Store(state + 44);
        a12.Store(state + 48);
        a13.Store(state + 52);
        a14.Store(state + 56);
        a15.Store(state + 60);
        a16.Store(state + 64);
        a17.Store(state + 68);
        a18.Store(state + 72);
        a19.Store(state + 76);
        a20.Store(state + 80);
        a21.Store(state + 84);
        a22.Store(state + 88);
        a23.Store(state + 92);
        a24.Store(state + 96);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Rotl(Vector256<ulong> value, int count) =>
        Vector256.ShiftLeft(value, count) | Vector256.ShiftRightLogical(value, 64 - count);
}
