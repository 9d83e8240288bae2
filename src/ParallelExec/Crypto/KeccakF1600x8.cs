using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ParallelExec.Crypto;

/// <summary>
/// Keccak-f[1600] on eight independent states at once: lane j of state s is element s of the
/// j-th <see cref="Vector512{T}"/>. AVX-512 rotates in one instruction (vprolq) and folds theta's
/// five-way XOR and chi's x ^ (~y &amp; z) into one vpternlogq each.
/// Generated from the same rho/pi tables as <see cref="KeccakF1600"/>; checked against it by the batch tests.
/// </summary>
internal readonly struct KeccakF1600x8 : IKeccakF1600Lanes
{
    public static int Width => 8;

    // vpternlogq truth tables over (x, y, z) = (0xF0, 0xCC, 0xAA).
    private const byte Xor3 = 0x96; // x ^ y ^ z
    private const byte Chi = 0xD2;  // x ^ (~y & z)

    public static bool IsSupported => Avx512F.IsSupported;

    [SkipLocalsInit]
    public static unsafe void Permute(ulong* state)
    {
        var a00 = Vector512.Load(state + 0);
        var a01 = Vector512.Load(state + 8);
        var a02 = Vector512.Load(state + 16);
        var a03 = Vector512.Load(state + 24);
        var a04 = Vector512.Load(state + 32);
        var a05 = Vector512.Load(state + 40);
        var a06 = Vector512.Load(state + 48);
        var a07 = Vector512.Load(state + 56);
        var a08 = Vector512.Load(state + 64);
        var a09 = Vector512.Load(state + 72);
        var a10 = Vector512.Load(state + 80);
        var a11 = Vector512.Load(state + 88);
        var a12 = Vector512.Load(state + 96);
        var a13 = Vector512.Load(state + 104);
        var a14 = Vector512.Load(state + 112);
        var a15 = Vector512.Load(state + 120);
        var a16 = Vector512.Load(state + 128);
        var a17 = Vector512.Load(state + 136);
        var a18 = Vector512.Load(state + 144);
        var a19 = Vector512.Load(state + 152);
        var a20 = Vector512.Load(state + 160);
        var a21 = Vector512.Load(state + 168);
        var a22 = Vector512.Load(state + 176);
        var a23 = Vector512.Load(state + 184);
        var a24 = Vector512.Load(state + 192);
        for (int round = 0; round < 24; round++)
        {
            var c0 = Avx512F.TernaryLogic(Avx512F.TernaryLogic(a00, a05, a10, Xor3), a15, a20, Xor3);
            var c1 = Avx512F.TernaryLogic(Avx512F.TernaryLogic(a01, a06, a11, Xor3), a16, a21, Xor3);
            var c2 = Avx512F.TernaryLogic(Avx512F.TernaryLogic(a02, a07, a12, Xor3), a17, a22, Xor3);
            var c3 = Avx512F.TernaryLogic(Avx512F.TernaryLogic(a03, a08, a13, Xor3), a18, a23, Xor3);
            var c4 = Avx512F.TernaryLogic(Avx512F.TernaryLogic(a04, a09, a14, Xor3), a19, a24, Xor3);
            var d0 = c4 ^ Avx512F.RotateLeft(c1, 1);
            var d1 = c0 ^ Avx512F.RotateLeft(c2, 1);
            var d2 = c1 ^ Avx512F.RotateLeft(c3, 1);
            var d3 = c2 ^ Avx512F.RotateLeft(c4, 1);
            var d4 = c3 ^ Avx512F.RotateLeft(c0, 1);
            var b00 = a00 ^ d0;
            var b16 = Avx512F.RotateLeft(a05 ^ d0, 36);
            var b07 = Avx512F.RotateLeft(a10 ^ d0, 3);
            var b23 = Avx512F.RotateLeft(a15 ^ d0, 41);
            var b14 = Avx512F.RotateLeft(a20 ^ d0, 18);
            var b10 = Avx512F.RotateLeft(a01 ^ d1, 1);
            var b01 = Avx512F.RotateLeft(a06 ^ d1, 44);
            var b17 = Avx512F.RotateLeft(a11 ^ d1, 10);
            var b08 = Avx512F.RotateLeft(a16 ^ d1, 45);
            var b24 = Avx512F.RotateLeft(a21 ^ d1, 2);
            var b20 = Avx512F.RotateLeft(a02 ^ d2, 62);
            var b11 = Avx512F.RotateLeft(a07 ^ d2, 6);
            var b02 = Avx512F.RotateLeft(a12 ^ d2, 43);
            var b18 = Avx512F.RotateLeft(a17 ^ d2, 15);
            var b09 = Avx512F.RotateLeft(a22 ^ d2, 61);
            var b05 = Avx512F.RotateLeft(a03 ^ d3, 28);
            var b21 = Avx512F.RotateLeft(a08 ^ d3, 55);
            var b12 = Avx512F.RotateLeft(a13 ^ d3, 25);
            var b03 = Avx512F.RotateLeft(a18 ^ d3, 21);
            var b19 = Avx512F.RotateLeft(a23 ^ d3, 56);
            var b15 = Avx512F.RotateLeft(a04 ^ d4, 27);
            var b06 = Avx512F.RotateLeft(a09 ^ d4, 20);
            var b22 = Avx512F.RotateLeft(a14 ^ d4, 39);
            var b13 = Avx512F.RotateLeft(a19 ^ d4, 8);
            var b04 = Avx512F.RotateLeft(a24 ^ d4, 14);
            a00 = Avx512F.TernaryLogic(b00, b01, b02, Chi);
            a01 = Avx512F.TernaryLogic(b01, b02, b03, Chi);
            a02 = Avx512F.TernaryLogic(b02, b03, b04, Chi);
            a03 = Avx512F.TernaryLogic(b03, b04, b00, Chi);
            a04 = Avx512F.TernaryLogic(b04, b00, b01, Chi);
            a05 = Avx512F.TernaryLogic(b05, b06, b07, Chi);
            a06 = Avx512F.TernaryLogic(b06, b07, b08, Chi);
            a07 = Avx512F.TernaryLogic(b07, b08, b09, Chi);
            a08 = Avx512F.TernaryLogic(b08, b09, b05, Chi);
            a09 = Avx512F.TernaryLogic(b09, b05, b06, Chi);
            a10 = Avx512F.TernaryLogic(b10, b11, b12, Chi);
            a11 = Avx512F.TernaryLogic(b11, b12, b13, Chi);
            a12 = Avx512F.TernaryLogic(b12, b13, b14, Chi);
            a13 = Avx512F.TernaryLogic(b13, b14, b10, Chi);
            a14 = Avx512F.TernaryLogic(b14, b10, b11, Chi);
            a15 = Avx512F.TernaryLogic(b15, b16, b17, Chi);
            a16 = Avx512F.TernaryLogic(b16, b17, b18, Chi);
            a17 = Avx512F.TernaryLogic(b17, b18, b19, Chi);
            a18 = Avx512F.TernaryLogic(b18, b19, b15, Chi);
            a19 = Avx512F.TernaryLogic(b19, b15, b16, Chi);
            a20 = Avx512F.TernaryLogic(b20, b21, b22, Chi);
            a21 = Avx512F.TernaryLogic(b21, b22, b23, Chi);
            a22 = Avx512F.TernaryLogic(b22, b23, b24, Chi);
            a23 = Avx512F.TernaryLogic(b23, b24, b20, Chi);
            a24 = Avx512F.TernaryLogic(b24, b20, b21, Chi);
            a00 ^= Vector512.Create(KeccakF1600.RoundConstants[round]);
        }
        a00.Store(state + 0);
        a01.Store(state + 8);
        a02.Store(state + 16);
        a03.Store(state + 24);
        a04.Store(state + 32);
        a05.Store(state + 40);
        a06.Store(state + 48);
        a07.Store(state + 56);
        a08.Store(state + 64);
        a09.Store(state + 72);
        a10.Store(state + 80);
        a11.Store(state + 88);
        a12.Store(state + 96);
        a13.Store(state + 104);
        a14.Store(state + 112);
        a15.Store(state + 120);
        a16.Store(state + 128);
        a17.Store(state + 136);
        a18.Store(state + 144);
        a19.Store(state + 152);
        a20.Store(state + 160);
        a21.Store(state + 168);
        a22.Store(state + 176);
        a23.Store(state + 184);
        a24.Store(state + 192);
    }
}
