using ParallelExec.Crypto;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Trie;

/// <summary>
/// The Merkle proof of one key of one trie: walks from the root along the key's nibbles, loading each
/// node referenced by hash from an <see cref="ITrieNodeSource"/> and checking it hashes to its
/// reference, and collects those nodes (a node shorter than 32 bytes is inside its parent's RLP and
/// is not listed on its own). It stops at the key's value, or where the path leaves the trie (an
/// empty branch slot, a leaf or extension whose path differs): the nodes up to there prove the key
/// absent. Reads nothing but the nodes it returns.
/// </summary>
internal static class TrieProofWalk
{
    private const int KeyNibbles = 64; // secure tries: 32-byte hashed keys

    /// <summary>
    /// Appends the proof of <paramref name="key"/> (32 bytes, already hashed) in the trie of
    /// <paramref name="owner"/> with root <paramref name="root"/> to <paramref name="proof"/>; returns
    /// the key's value (its RLP string payload), or null when it is absent.
    /// </summary>
    public static byte[]? Collect(ITrieNodeSource source, ReadOnlySpan<byte> owner, in Hash256 root, ReadOnlySpan<byte> key, List<byte[]> proof)
    {
        if (key.Length != KeyNibbles / 2) throw new ArgumentException("a proof key is a 32-byte hash", nameof(key));
        if (root == MerklePatriciaTrie.EmptyRoot) return null;
        Span<byte> path = stackalloc byte[KeyNibbles];
        for (int i = 0; i < KeyNibbles; i++) path[i] = (byte)Nibbles.At(key, i);
        byte[] rlp = source.LoadChecked(owner, path[..0], root);
        proof.Add(rlp);
        ReadOnlySpan<byte> node = rlp;
        int depth = 0;
        while (true)
        {
            var items = new RlpReader(node).ReadList();
            var first = items.ReadEncodedItem();
            var second = items.ReadEncodedItem();
            ReadOnlySpan<byte> reference;
            if (items.HasMore)
            {
                // A branch: 16 children, then a value (never set in a secure trie, whose keys all end in leaves).
                if (depth == KeyNibbles) throw Malformed(owner, path[..depth], "is a branch where the key ends");
                int nibble = path[depth];
                var branch = new RlpReader(node).ReadList();
                for (int i = 0; i < nibble; i++) branch.ReadEncodedItem();
                reference = branch.ReadEncodedItem();
                depth++;
            }
            else
            {
                var compact = new RlpReader(first).ReadString();
                if (compact.IsEmpty) throw Malformed(owner, path[..depth], "has an empty path");
                int flag = compact[0] >> 4;
                bool isLeaf = flag >= 2, odd = (flag & 1) == 1;
                int length = (compact.Length - 1) * 2 + (odd ? 1 : 0);
                if (depth + length > KeyNibbles) return null;
                for (int i = 0; i < length; i++)
                {
                    int at = odd ? i + 1 : i + 2; // nibble index within the compact bytes
                    int nibble = (at & 1) == 0 ? compact[at / 2] >> 4 : compact[at / 2] & 0x0F;
                    if (nibble != path[depth + i]) return null; // the path leaves the trie here
                }
                depth += length;
                if (isLeaf) return depth == KeyNibbles ? new RlpReader(second).ReadString().ToArray() : null;
                reference = second;
            }
            if (reference.Length == 1 && reference[0] == 0x80) return null; // an empty slot
            if (reference[0] >= 0xC0)
            {
                node = reference; // an embedded node: part of its parent's RLP
                continue;
            }
            var hash = new RlpReader(reference).ReadString();
            if (hash.Length != Hash256.Size) throw Malformed(owner, path[..depth], "refers to a child by a reference that is neither a hash nor a node");
            rlp = source.LoadChecked(owner, path[..depth], new Hash256(hash));
            proof.Add(rlp);
            node = rlp;
        }
    }

    private static RlpException Malformed(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, string what) =>
        new($"the trie node at {MissingTrieNodeException.Where(owner, path)} {what}");
}
