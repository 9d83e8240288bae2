using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// An executor that runs an inner one, calls <see cref="Starting"/> before and <see cref="Finished"/>
/// after each block, and throws for a chosen block.
/// </summary>
internal sealed class FaultyExecutor(IBlockExecutor inner, long failAt = -1) : IBlockExecutor
{
    public Action<long>? Starting { get; init; }
    public Action<long>? Finished { get; init; }

    public string Name => inner.Name;
    public int Workers => inner.Workers;

    public BlockResult Execute(Block block, IStateReader state, ExecutionOptions? options = null)
    {
        Starting?.Invoke(block.Header.Number);
        if (block.Header.Number == failAt) throw new InjectedFaultException($"injected executor fault in block {failAt}");
        var result = inner.Execute(block, state, options);
        Finished?.Invoke(block.Header.Number);
        return result;
    }
}

/// <summary>
/// Lets a store's commit of block N wait until block N+1 has been executed: the most overlap a
/// pipeline can have, forced instead of left to timing (the wait is a deadlock guard, not a threshold).
/// </summary>
internal sealed class OverlapGate
{
    private readonly object _lock = new();
    private long _executed = long.MinValue;

    public void Executed(long number)
    {
        lock (_lock)
        {
            _executed = Math.Max(_executed, number);
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Waits until block <paramref name="number"/> has been executed; false when the guard ran out.</summary>
    public bool WaitExecuted(long number, TimeSpan guard)
    {
        var deadline = DateTime.UtcNow + guard;
        lock (_lock)
        {
            while (_executed < number)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_lock, left)) return _executed >= number;
            }
            return true;
        }
    }
}

/// <summary>
/// A store that forwards to an inner one; <see cref="BeforeCommit"/> runs before each commit (it may
/// wait on a gate or throw, in which case nothing reaches the inner store). It reports batched reads
/// only when <see cref="Batched"/> is set (so by default a chain over it prefetches nothing), and
/// counts the keys read in batches and the trie nodes read.
/// </summary>
internal sealed class FaultyStore(IStateStore inner) : IStateStore
{
    private long _batchedKeys, _trieNodeReads, _trieNodeReadBytes;

    /// <summary>Trie nodes found by <see cref="TryGetTrieNode"/> (batched reads come through it one by one) so far.</summary>
    public long TrieNodeReads => Interlocked.Read(ref _trieNodeReads);

    /// <summary>Their bytes.</summary>
    public long TrieNodeReadBytes => Interlocked.Read(ref _trieNodeReadBytes);

    public Action<StoredBlock>? BeforeCommit { get; set; }

    /// <summary>Sees the trie nodes each commit that reaches the inner store writes (null: none).</summary>
    public Action<StoredBlock, IReadOnlyCollection<TrieNodeRecord>?>? Nodes { get; set; }

    /// <summary>Report the inner store's <see cref="IStateStore.BatchedReads"/> (false: report none).</summary>
    public bool Batched { get; init; }

    /// <summary>Keys read through <see cref="TryGetMany"/> so far.</summary>
    public long BatchedKeys => Interlocked.Read(ref _batchedKeys);

    public bool BatchedReads => Batched && inner.BatchedReads;

    public void TryGetMany(ReadOnlySpan<StateKey> keys, Span<UInt256> values, Span<bool> found)
    {
        Interlocked.Add(ref _batchedKeys, keys.Length);
        inner.TryGetMany(keys, values, found);
    }

    public string Location => inner.Location;
    public bool IsInitialized => inner.IsInitialized;
    public StoredBlock Genesis => inner.Genesis;
    public StoredBlock Head => inner.Head;
    public int JournalRetention => inner.JournalRetention;
    public int RevertibleBlocks => inner.RevertibleBlocks;
    public bool TryGet(in StateKey key, out UInt256 value) => inner.TryGet(key, out value);
    public bool TryGetBlock(long number, out StoredBlock block) => inner.TryGetBlock(number, out block);
    public StoredBlock? TrieNodesAt => inner.TrieNodesAt;
    public bool TryGetTrieNode(ReadOnlySpan<byte> owner, ReadOnlySpan<byte> path, out byte[] rlp)
    {
        if (!inner.TryGetTrieNode(owner, path, out rlp)) return false;
        Interlocked.Increment(ref _trieNodeReads);
        Interlocked.Add(ref _trieNodeReadBytes, rlp.Length);
        return true;
    }
    public void WriteTrieNodes(IReadOnlyCollection<TrieNodeRecord> trieNodes, in StoredBlock at) => inner.WriteTrieNodes(trieNodes, at);
    public void ReplaceTrieNodes(IEnumerable<TrieNodeRecord> trieNodes, in StoredBlock at) => inner.ReplaceTrieNodes(trieNodes, at);
    public IEnumerable<KeyValuePair<StateKey, UInt256>> Entries() => inner.Entries();

    public void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, StoredBlock genesis, IEnumerable<TrieNodeRecord>? trieNodes = null) =>
        inner.Initialize(state, genesis, trieNodes);

    public void Initialize(IEnumerable<KeyValuePair<StateKey, UInt256>> state, Func<StoredBlock> genesis, IEnumerable<TrieNodeRecord>? trieNodes) =>
        inner.Initialize(state, genesis, trieNodes);

    public void Commit(in StoredBlock block, ReadOnlySpan<StateChange> changes, IReadOnlyCollection<TrieNodeRecord>? trieNodes = null,
        IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? previousValues = null)
    {
        BeforeCommit?.Invoke(block);
        Nodes?.Invoke(block, trieNodes);
        inner.Commit(block, changes, trieNodes, previousValues);
    }

    public StoredBlock Revert(int blocks) => inner.Revert(blocks);

    public void Dispose() => inner.Dispose();
}

internal sealed class InjectedFaultException(string message) : Exception(message);
