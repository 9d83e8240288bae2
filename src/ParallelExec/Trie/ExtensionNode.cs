namespace ParallelExec.Trie;

/// <summary>
/// An extension: a run of one or more nibbles shared by every key below, then a branch.
/// The run is nibbles [depth, depth + <see cref="Length"/>) of <see cref="KeySource"/>, a key that
/// lies below this node, or (for an extension loaded from a node source, or one made over a branch
/// none of whose keys is in memory) just the path through the run: nothing reads it beyond the run.
/// </summary>
internal sealed class ExtensionNode(byte[] keySource, int length, TrieNode child) : TrieNode
{
    public byte[] KeySource = keySource;
    public int Length = length;
    public TrieNode Child = child;

    public override byte[] AnyKey() => KeySource;
}
