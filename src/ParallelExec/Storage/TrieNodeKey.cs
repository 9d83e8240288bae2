namespace ParallelExec.Storage;

/// <summary>
/// Where a path-keyed node store keeps a trie node: by its place, not its hash (geth's path scheme),
/// so a node that changes overwrites its predecessor and a removed place is deleted: the store holds
/// exactly one trie, the live one. Layout: a tag byte (0: the account trie; 1: a storage trie, then
/// the 32-byte hashed address that owns it), the path's nibbles packed two per byte (high nibble
/// first, an odd last nibble in the high half), then the nibble count. One storage trie's nodes share
/// their first 33 bytes, so a whole storage trie is one key range.
/// </summary>
public static class TrieNodeKey
{
    /// <summary>Longest key: tag, owner, 64 nibbles packed, count.</summary>
    public const int MaxLength = 1 + 32 + 32 + 1;

    /// <summary>The length of the key of a node <paramref name="pathLength"/> nibbles deep in a trie whose owner is <paramref name="ownerLength"/> bytes (0 or 32).</summary>
    public static int Length(int ownerLength, int pathLength) => 1 + ownerLength + (pathLength + 1) / 2 + 1;

    /// <summary>Writes the key of the node at <paramref name="path"/> (nibbles, one per byte) of <paramref name="owner"/>'s trie; returns its length.</summary>
    public static int Write(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, Span<byte> destination)
    {
        if (!owner.IsEmpty && owner.Length != 32) throw new ArgumentException($"a trie owner is empty or 32 bytes, not {owner.Length}", nameof(owner));
        if (path.Length > 64) throw new ArgumentException($"a trie path has at most 64 nibbles, not {path.Length}", nameof(path));
        int o = 0;
        destination[o++] = owner.IsEmpty ? (byte)0 : (byte)1;
        owner.CopyTo(destination[o..]);
        o += owner.Length;
        for (int i = 0; i < path.Length; i += 2)
        {
            int high = path[i], low = i + 1 < path.Length ? path[i + 1] : 0;
            if (high > 15 || low > 15) throw new ArgumentException("a trie path holds nibbles (0-15) only", nameof(path));
            destination[o++] = (byte)(high << 4 | low);
        }
        destination[o++] = (byte)path.Length;
        return o;
    }
}
