namespace ParallelExec.Stateless;

/// <summary>The hex-prefix ("compact") path of a leaf or extension node, decoded to one nibble per byte.</summary>
internal static class CompactPath
{
    /// <summary>The nibbles of <paramref name="compact"/> and whether it is a leaf's; empty input is malformed.</summary>
    public static byte[] Decode(ReadOnlySpan<byte> compact, out bool isLeaf)
    {
        if (compact.IsEmpty) throw new Rlp.RlpException("a leaf or extension node has an empty path");
        int flag = compact[0] >> 4;
        if (flag > 3) throw new Rlp.RlpException($"a leaf or extension node's path has flag {flag}");
        isLeaf = flag >= 2;
        bool odd = (flag & 1) == 1;
        var nibbles = new byte[(compact.Length - 1) * 2 + (odd ? 1 : 0)];
        for (int i = 0; i < nibbles.Length; i++)
        {
            int at = odd ? i + 1 : i + 2; // nibble index within the compact bytes
            nibbles[i] = (byte)((at & 1) == 0 ? compact[at / 2] >> 4 : compact[at / 2] & 0x0F);
        }
        return nibbles;
    }

    /// <summary>Whether <paramref name="path"/> continues with <paramref name="nibbles"/> at <paramref name="depth"/>.</summary>
    public static bool Continues(byte[] path, int depth, byte[] nibbles) =>
        depth + nibbles.Length <= path.Length && path.AsSpan(depth, nibbles.Length).SequenceEqual(nibbles);

    /// <summary>The 64 nibbles of a 32-byte hashed key.</summary>
    public static byte[] Nibbles(ReadOnlySpan<byte> key)
    {
        var nibbles = new byte[key.Length * 2];
        for (int i = 0; i < nibbles.Length; i++) nibbles[i] = (byte)Trie.Nibbles.At(key, i);
        return nibbles;
    }
}
