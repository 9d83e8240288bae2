namespace ParallelExec.Trie;

/// <summary>
/// The places (paths, nibbles) of one trie where a stored node vanished since the last export: a
/// deletion removed it, a collapse or a split moved it, or its re-encoding fell under 32 bytes (now
/// embedded in its parent). Exported as removal records (<see cref="TrieNodeRecord.IsRemoval"/>), so
/// a path-keyed store holds no node at a place the trie no longer fills. Paths are packed into one
/// buffer: no array per place. Thread-safe (the buckets of <see cref="MerklePatriciaTrie.SetMany"/>
/// and parallel hashing record into one log).
/// </summary>
internal sealed class TrieRemovalLog
{
    private byte[] _nibbles = new byte[256];
    private int _used;
    private readonly List<int> _ends = new();

    /// <summary>Places recorded.</summary>
    public int Count => _ends.Count;

    /// <summary>Records the place of nibbles [0, <paramref name="depth"/>) of <paramref name="key"/>, then <paramref name="nibble"/> unless it is -1.</summary>
    public void Record(ReadOnlySpan<byte> key, int depth, int nibble = -1)
    {
        lock (_ends)
        {
            int length = depth + (nibble >= 0 ? 1 : 0);
            if (_used + length > _nibbles.Length) Array.Resize(ref _nibbles, Math.Max(_nibbles.Length * 2, _used + length));
            for (int i = 0; i < depth; i++) _nibbles[_used + i] = (byte)Nibbles.At(key, i);
            if (nibble >= 0) _nibbles[_used + depth] = (byte)nibble;
            _used += length;
            _ends.Add(_used);
        }
    }

    /// <summary>Records the place <paramref name="path"/> (nibbles).</summary>
    public void Record(ReadOnlySpan<byte> path)
    {
        lock (_ends)
        {
            if (_used + path.Length > _nibbles.Length) Array.Resize(ref _nibbles, Math.Max(_nibbles.Length * 2, _used + path.Length));
            path.CopyTo(_nibbles.AsSpan(_used));
            _used += path.Length;
            _ends.Add(_used);
        }
    }

    /// <summary>Appends every place as a removal of <paramref name="owner"/>'s trie to <paramref name="set"/> and forgets them.</summary>
    public void MoveTo(TrieNodeSet set, ReadOnlySpan<byte> owner)
    {
        lock (_ends)
        {
            int start = 0;
            foreach (int end in _ends)
            {
                set.AddRemoval(owner, _nibbles.AsSpan(start, end - start));
                start = end;
            }
            Clear();
        }
    }

    /// <summary>Forgets every place.</summary>
    public void Clear()
    {
        lock (_ends)
        {
            _ends.Clear();
            _used = 0;
        }
    }
}
