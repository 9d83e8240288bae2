using System.Buffers;
using System.Buffers.Binary;
using ParallelExec.Trie;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// Trie nodes in the order the store writes them: by key (<see cref="TrieNodeKey"/>), ascending. A
/// memtable is a skip list that takes keys in ascending order several times faster, and a table file
/// takes them in no other order. The keys are encoded back to back into one pooled buffer (an
/// account-trie key is a few bytes, so room for the longest per node would make a checkpoint's buffer
/// over a large state ten times what it needs); <see cref="Dispose"/> returns it. Equal keys (a place
/// both removed and written by one export) sit side by side, in no particular order.
/// </summary>
internal readonly struct SortedTrieNodes : IDisposable
{
    private readonly IReadOnlyList<TrieNodeRecord> _nodes;
    private readonly byte[] _keys;
    private readonly int[] _offsets;
    private readonly int[] _order;

    public SortedTrieNodes(IReadOnlyCollection<TrieNodeRecord> trieNodes)
    {
        _nodes = trieNodes as IReadOnlyList<TrieNodeRecord> ?? trieNodes.ToArray();
        int count = _nodes.Count;
        long keyTotal = 0;
        for (int i = 0; i < count; i++) keyTotal += TrieNodeKey.Length(_nodes[i].Owner.Length, _nodes[i].Path.Length);
        _keys = ArrayPool<byte>.Shared.Rent((int)keyTotal);
        _offsets = ArrayPool<int>.Shared.Rent(count + 1);
        _order = ArrayPool<int>.Shared.Rent(count);
        var prefixes = ArrayPool<ulong>.Shared.Rent(count);
        try
        {
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                var node = _nodes[i];
                _offsets[i] = at;
                int length = TrieNodeKey.Write(node.Owner.Span, node.Path.Span, _keys.AsSpan(at));
                prefixes[i] = KeyPrefix(_keys.AsSpan(at, length));
                at += length;
                _order[i] = i;
            }
            _offsets[count] = at;
            SortKeys(_keys, _offsets, prefixes.AsSpan(0, count), _order.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(prefixes);
        }
    }

    public int Count => _nodes.Count;

    /// <summary>The key of the <paramref name="rank"/>th node in key order.</summary>
    public ReadOnlySpan<byte> KeyAt(int rank)
    {
        int i = _order[rank];
        return _keys.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]);
    }

    /// <summary>The <paramref name="rank"/>th node in key order.</summary>
    public TrieNodeRecord NodeAt(int rank) => _nodes[_order[rank]];

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_keys);
        ArrayPool<int>.Shared.Return(_offsets);
        ArrayPool<int>.Shared.Return(_order);
    }

    /// <summary>A key's first eight bytes as a big-endian number (zero-padded): ordered as the keys are, ties aside.</summary>
    internal static ulong KeyPrefix(ReadOnlySpan<byte> key)
    {
        if (key.Length >= sizeof(ulong)) return BinaryPrimitives.ReadUInt64BigEndian(key);
        ulong prefix = 0;
        for (int i = 0; i < sizeof(ulong); i++) prefix = prefix << 8 | (i < key.Length ? key[i] : 0u);
        return prefix;
    }

    /// <summary>
    /// Sorts <paramref name="order"/> (indexes into <paramref name="offsets"/>) by key, ascending. By the
    /// keys' eight-byte prefixes first, a sort of numbers: an account-trie key is shorter than that
    /// (a checkpoint's ~490,000 nodes at 1 M accounts took a comparison of byte spans each step, about
    /// a tenth of a second), then each run of equal prefixes by the whole keys (a storage trie's nodes
    /// share their first 33 bytes; a key and the same key with zero bytes added share a prefix too).
    /// </summary>
    internal static void SortKeys(byte[] keys, int[] offsets, Span<ulong> prefixes, Span<int> order)
    {
        prefixes.Sort(order);
        Comparison<int>? byKey = null;
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && prefixes[end] == prefixes[start]) end++;
            if (end - start > 1)
            {
                byKey ??= (a, b) => keys.AsSpan(offsets[a], offsets[a + 1] - offsets[a])
                    .SequenceCompareTo(keys.AsSpan(offsets[b], offsets[b + 1] - offsets[b]));
                order[start..end].Sort(byKey);
            }
            start = end;
        }
    }
}
