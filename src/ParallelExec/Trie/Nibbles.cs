using System.Runtime.CompilerServices;

namespace ParallelExec.Trie;

/// <summary>Nibble (half-byte) addressing of keys and the hex-prefix (compact) path encoding.</summary>
internal static class Nibbles
{
    /// <summary>Nibble <paramref name="index"/> of <paramref name="key"/>, high nibble first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int At(ReadOnlySpan<byte> key, int index)
    {
        byte b = key[index >> 1];
        return (index & 1) == 0 ? b >> 4 : b & 0x0f;
    }

    /// <summary>Length of the common run of nibbles of two keys starting at <paramref name="start"/>, at most <paramref name="limit"/>.</summary>
    public static int CommonPrefix(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int start, int limit)
    {
        int n = 0;
        int i = start;
        // Odd start: compare one nibble, then whole bytes.
        if ((i & 1) == 1 && n < limit)
        {
            if (At(a, i) != At(b, i)) return 0;
            n++; i++;
        }
        while (limit - n >= 2)
        {
            int byteIndex = i >> 1;
            byte x = a[byteIndex], y = b[byteIndex];
            if (x != y) return (x >> 4) == (y >> 4) ? n + 1 : n;
            n += 2; i += 2;
        }
        if (n < limit && At(a, i) == At(b, i)) n++;
        return n;
    }

    /// <summary>Length of the hex-prefix encoding of <paramref name="length"/> nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HexPrefixLength(int length) => (length >> 1) + 1;

    /// <summary>
    /// Writes the hex-prefix (compact) encoding of nibbles [start, start + length) of
    /// <paramref name="key"/>: a flag nibble (2 = leaf, +1 = odd length), a padding nibble when
    /// even, then the path nibbles.
    /// </summary>
    public static int WriteHexPrefix(Span<byte> destination, ReadOnlySpan<byte> key, int start, int length, bool isLeaf)
    {
        int flag = isLeaf ? 2 : 0;
        int written = HexPrefixLength(length);
        int i = start;
        int o = 1;
        if ((length & 1) == 1)
        {
            destination[0] = (byte)(((flag | 1) << 4) | At(key, i));
            i++;
        }
        else
        {
            destination[0] = (byte)(flag << 4);
        }
        // Now an even number of nibbles remains, from i.
        int remaining = start + length - i;
        if ((i & 1) == 0)
        {
            key.Slice(i >> 1, remaining >> 1).CopyTo(destination[o..]);
        }
        else
        {
            for (int k = 0; k < remaining; k += 2, o++)
            {
                destination[o] = (byte)((At(key, i + k) << 4) | At(key, i + k + 1));
            }
        }
        return written;
    }
}
