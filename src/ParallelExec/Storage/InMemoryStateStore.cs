using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// <see cref="IStateStore"/> in memory, with the same semantics as a persistent store (journal,
/// retention, reverts, block records): for tests, benchmarks and embedding. Nothing survives the process.
/// Reads may run while a commit writes, as with RocksDB (<see cref="FlatStateTable"/>).
/// </summary>
public sealed class InMemoryStateStore : IStateStore, IUndoJournalReader
{
    private FlatStateTable _state = new();
    // By place (TrieNodeKey), as the RocksDB store keeps them.
    private readonly Dictionary<string, byte[]> _nodes = new(StringComparer.Ordinal);
    private StoredBlock? _nodesAt;
    private readonly Dictionary<long, StoredBlock> _blocks = new();
    private readonly Dictionary<long, JournalEntry[]> _journal = new();
    private readonly bool _keepTrieNodes;
    private StoredBlock _genesis, _head;
    private long _oldestJournal;
    private bool _initialized, _disposed;

    /// <param name="journalRetention">Blocks that keep an undo journal (0: no reverts).</param>
    /// <param name="keepTrieNodes">Keep the trie nodes given to commits (off: they are dropped).</param>
    public InMemoryStateStore(int journalRetention = 128, bool keepTrieNodes = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(journalRetention);
        JournalRetention = journalRetention;
        _keepTrieNodes = keepTrieNodes;
    }

    /// <inheritdoc/>
    public string Location => "memory";
    /// <inheritdoc/>
    public bool IsInitialized => _initialized;
    /// <inheritdoc/>
    public StoredBlock Genesis => _genesis;
    /// <inheritdoc/>
    public StoredBlock Head => _head;
    /// <inheritdoc/>
    public int JournalRetention { get; }
    /// <inheritdoc/>
    public int RevertibleBlocks => _initialized ? (int)Math.Max(0, _head.Number - Math.Max(_oldestJournal, _genesis.Number + 1) + 1) : 0;
    /// <summary>Trie nodes held.</summary>
    public int TrieNodeCount => _nodes.Count;

    /// <inheritdoc/>
    public bool TryGet(in StateKey key, out UInt256 value) => _state.TryGet(key, out value);

    /// <inheritdoc/>
    public bool TryGetBlock(long number, out StoredBlock block) => _blocks.TryGetValue(number, out block);

    /// <inheritdoc/>
    public StoredBlock? TrieNodesAt => _nodesAt;

    /// <inheritdoc/>
    public bool TryGetTrieNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, out byte[] rlp)
    {
        lock (_nodes) return _nodes.TryGetValue(NodeKey(owner, path), out rlp!);
    }

    /// <inheritdoc/>
    public long EstimateAccountTrieBytes()
    {
        long bytes = 0;
        lock (_nodes)
        {
            foreach (var (key, rlp) in _nodes)
                if (key.StartsWith("00", StringComparison.Ordinal)) bytes += key.Length / 2 + rlp.Length;
        }
        return bytes;
    }

    /// <inheritdoc/>
    public bool ScanAccountTrie(TrieNodeVisitor visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        return Scan(static key => key.StartsWith("00", StringComparison.Ordinal), visit);
    }

    /// <inheritdoc/>
    public bool ScanAccountSubtrie(int firstNibble, TrieNodeVisitor visit)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)firstNibble, 15u, nameof(firstNibble));
        ArgumentNullException.ThrowIfNull(visit);
        // In hex: the tag "00", then the packed path, whose first byte's high half (the key's third
        // digit) is the first nibble; the root's key is the tag and a zero count, four digits.
        char digit = Convert.ToHexString([(byte)firstNibble])[1];
        return Scan(key => key.Length > 4 && key.StartsWith("00", StringComparison.Ordinal) && key[2] == digit, visit);
    }

    // The account-trie nodes whose hex keys pass the filter, in key order.
    private bool Scan(Func<string, bool> take, TrieNodeVisitor visit)
    {
        List<KeyValuePair<string, byte[]>> nodes;
        lock (_nodes) nodes = _nodes.Where(n => take(n.Key)).ToList();
        // Upper-case hex sorts as its bytes do.
        nodes.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (key, rlp) in nodes)
            if (!visit(Convert.FromHexString(key), rlp)) break;
        return true;
    }

    private static string NodeKey(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path)
    {
        Span<byte> key = stackalloc byte[TrieNodeKey.MaxLength];
        return Convert.ToHexString(key[..TrieNodeKey.Write(owner, path, key)]);
    }

    /// <summary>
    /// A set's removals first, then its writes (see <see cref="TrieNodeRecord"/>). A stream that is
    /// not a collection (a whole trie) holds no removals and is read once: its records may share a
    /// buffer that the next one overwrites.
    /// </summary>
    private void ApplyNodes(IEnumerable<TrieNodeRecord> trieNodes)
    {
        lock (_nodes)
        {
            if (trieNodes is IReadOnlyCollection<TrieNodeRecord>)
            {
                foreach (var node in trieNodes)
                    if (node.IsRemoval) _nodes.Remove(NodeKey(node.Owner.Span, node.Path.Span));
            }
            foreach (var node in trieNodes)
            {
                if (!node.IsRemoval) _nodes[NodeKey(node.Owner.Span, node.Path.Span)] = node.Rlp.ToArray();
                else if (trieNodes is not IReadOnlyCollection<TrieNodeRecord>) throw new ArgumentException("a whole trie holds no removals", nameof(trieNodes));
            }
        }
    }

    /// <inheritdoc/>
    public bool TryReadJournalKeys(long number, ICollection<StateKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!_journal.TryGetValue(number, out var journal)) return false;
        foreach (var entry in journal) keys.Add(entry.Key);
        return true;
    }

    /// <inheritdoc/>
    public void ReplaceTrieNodes(IEnumerable<TrieNodeRecord> trieNodes, in StoredBlock at)
    {
        ArgumentNullException.ThrowIfNull(trieNodes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (at != _head) throw new InvalidOperationException($"the trie replaced must be the head's ({_head}), not {at}'s");
        _nodesAt = null;
        lock (_nodes) _nodes.Clear();
        if (_keepTrieNodes)
        {
            ApplyNodes(trieNodes);
            _nodesAt = at;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<StateKey, UInt256>> Entries() => _state.Entries();

    /// <inheritdoc/>
    public void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, StoredBlock genesis, IEnumerable<TrieNodeRecord>? trieNodes = null) =>
        Initialize(state, () => genesis, trieNodes);

    /// <inheritdoc/>
    public void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, Func<StoredBlock> genesis, IEnumerable<TrieNodeRecord>? trieNodes)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(state);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_initialized) throw new InvalidOperationException("the state store is already initialised");
        // Sized for the genesis up front: growing step by step rehashes every entry several times
        // (about a second more for 2 M entries).
        if (state.TryGetNonEnumeratedCount(out int count)) _state = new FlatStateTable(count);
        foreach (var (key, value) in state) _state.Set(key, value);
        if (trieNodes is not null && _keepTrieNodes) ApplyNodes(trieNodes);
        else if (trieNodes is not null) Drain(trieNodes); // the genesis root may be known only once they are through
        var record = genesis();
        if (trieNodes is not null && _keepTrieNodes) _nodesAt = record;
        _genesis = _head = record;
        _blocks[record.Number] = record;
        _oldestJournal = record.Number + 1;
        _initialized = true;
    }

    private static void Drain(IEnumerable<TrieNodeRecord> trieNodes)
    {
        using var nodes = trieNodes.GetEnumerator();
        while (nodes.MoveNext())
        {
        }
    }

    /// <inheritdoc/>
    public void Commit(in StoredBlock block, ReadOnlySpan<StateChange> changes, IReadOnlyCollection<TrieNodeRecord>? trieNodes = null,
        IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? previousValues = null)
    {
        // The dictionary is the store: previous values are read from it directly (cheaper than the hint).
        StateStoreChecks.CheckCommit(this, _initialized, _disposed, block);
        var journal = JournalRetention > 0 ? new JournalEntry[changes.Length] : null;
        for (int i = 0; i < changes.Length; i++)
        {
            var change = changes[i];
            if (journal is not null)
            {
                bool existed = _state.TryGet(change.Key, out var previous);
                journal[i] = new JournalEntry(change.Key, existed, previous);
            }
            _state.Set(change.Key, change.Value);
        }
        if (trieNodes is not null && _keepTrieNodes)
        {
            ApplyNodes(trieNodes);
            _nodesAt = block;
        }
        if (journal is not null) _journal[block.Number] = journal;
        _blocks[block.Number] = block;
        _head = block;
        // Prune the journal that fell out of the retention window.
        long keepFrom = block.Number - JournalRetention + 1;
        while (_oldestJournal < keepFrom)
        {
            _journal.Remove(_oldestJournal);
            _oldestJournal++;
        }
    }

    /// <inheritdoc/>
    public StoredBlock Revert(int blocks)
    {
        StateStoreChecks.CheckRevert(this, _initialized, _disposed, blocks);
        for (int n = 0; n < blocks; n++)
        {
            long number = _head.Number - n;
            var journal = _journal[number];
            for (int i = journal.Length - 1; i >= 0; i--)
            {
                var entry = journal[i];
                if (entry.Existed) _state.Set(entry.Key, entry.Previous);
                else _state.Remove(entry.Key);
            }
            _journal.Remove(number);
            _blocks.Remove(number);
        }
        _head = _blocks[_head.Number - blocks];
        if (_nodesAt is { } at && at.Number > _head.Number) _nodesAt = null;
        return _head;
    }

    /// <inheritdoc/>
    public void WriteTrieNodes(IReadOnlyCollection<TrieNodeRecord> trieNodes, in StoredBlock at)
    {
        ArgumentNullException.ThrowIfNull(trieNodes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (at != _head) throw new InvalidOperationException($"trie nodes are written for the head ({_head}), not {at}");
        if (!_keepTrieNodes) return;
        ApplyNodes(trieNodes);
        _nodesAt = at;
    }

    /// <inheritdoc/>
    public void Dispose() => _disposed = true;
}
