namespace ParallelExec.Trie;

/// <summary>
/// A leaf: the rest of a key's path and its value. <see cref="Key"/> is the whole key; the leaf's
/// path is its nibbles from the leaf's depth to the end.
/// </summary>
internal sealed class LeafNode(byte[] key, byte[] value) : TrieNode
{
    public readonly byte[] Key = key;
    public byte[] Value = value;

    public override byte[] AnyKey() => Key;
}
