namespace ParallelExec.Trie;

/// <summary>
/// What a key probably holds, for a walk that may build the key's leaf instead of reading it
/// (<see cref="MerklePatriciaTrie.TryGet{TLikely}(ReadOnlySpan{byte}, out ReadOnlySpan{byte}, TLikely)"/>).
/// Asked at most once, and only when the walk meets a node not in memory: over a trie in memory it
/// costs nothing.
/// </summary>
internal interface ILikelyLeafValue
{
    /// <summary>Writes the value (at most <see cref="MerklePatriciaTrie.MaxLikelyValueLength"/> bytes); returns its length, 0 when nothing is known.</summary>
    int Write(Span<byte> destination);
}
