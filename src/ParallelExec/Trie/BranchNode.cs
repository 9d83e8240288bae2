namespace ParallelExec.Trie;

/// <summary>
/// A branch: sixteen children by next nibble, and the value of the key that ends exactly here
/// (plain tries only; keys of a secure trie all have the same length).
/// </summary>
internal sealed class BranchNode : TrieNode
{
    public readonly TrieNode?[] Children = new TrieNode?[16];
    public byte[]? Value;
    /// <summary>The key whose value is <see cref="Value"/> (its nibble count equals the branch depth).</summary>
    public byte[]? ValueKey;

    public int ChildCount
    {
        get
        {
            int count = 0;
            foreach (var child in Children) if (child is not null) count++;
            return count;
        }
    }

    public override byte[] AnyKey()
    {
        if (ValueKey is not null) return ValueKey;
        foreach (var child in Children) if (child is not null) return child.AnyKey();
        throw new InvalidOperationException("a branch without children or value");
    }
}
