using System.Diagnostics;
using System.Runtime.InteropServices;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// Drives a chain on a <see cref="IStateStore"/>: executes each block over the store's committed
/// state, applies the changes to the in-memory <see cref="StateTrie"/>, computes the root and commits
/// the block (changes, new trie nodes, record, undo journal) atomically. On open the trie is rebuilt
/// from the flat state (hashed on several threads) and its root must equal the stored root, so a store
/// whose state and root disagree is never extended. One writer: not thread-safe.
/// </summary>
public sealed class ChainState
{
    private readonly IStateStore _store;
    private readonly ChainStateOptions _options;
    private const int PrefetchRangeMinimum = 1024; // keys below which one more prefetching thread is not worth starting

    private readonly TrieNodeSet? _nodes; // the nodes of the block being committed, reused block after block
    private readonly DeclaredKeys _declaredKeys = new(); // used by ExecuteOver only
    private StateTrie _trie;
    private bool _trieStale;

    private ChainState(IStateStore store, StateTrie trie, ChainStateOptions options, TimeSpan openTime)
    {
        _store = store;
        _trie = trie;
        _options = options;
        _nodes = options.PersistTrieNodes ? new TrieNodeSet(1 << 16) : null;
        OpenTime = openTime;
    }

    public IStateStore Store => _store;

    /// <summary>The last committed block.</summary>
    public StoredBlock Head => _store.Head;

    /// <summary>Threads for hashing the trie (<see cref="ChainStateOptions.RootParallelism"/>).</summary>
    public int RootParallelism => _options.RootParallelism;

    /// <summary>Time spent building the trie when the state was created or opened.</summary>
    public TimeSpan OpenTime { get; }

    /// <summary>Writes <paramref name="genesis"/> into an empty store as the state before block <paramref name="genesisNumber"/> + 1.</summary>
    public static ChainState Create(IStateStore store, IEnumerable<KeyValuePair<StateKey, UInt256>> genesis, long genesisNumber = 0, ChainStateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(genesis);
        options ??= ChainStateOptions.Default;
        if (store.IsInitialized) throw new InvalidOperationException($"the state store already holds a chain (at block {store.Head.Number})");
        var started = Stopwatch.GetTimestamp();
        var entries = genesis as IReadOnlyCollection<KeyValuePair<StateKey, UInt256>> ?? genesis.ToList();
        var trie = StateTrie.FromState(entries, options.RootParallelism);
        var root = trie.ComputeRoot(options.RootParallelism);
        store.Initialize(entries, new StoredBlock(genesisNumber, root, default), options.PersistTrieNodes ? trie.ExportAllNodes() : null);
        return new ChainState(store, trie, options, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Opens an initialised store: rebuilds the trie from its flat state and checks the root against
    /// the head's. A mismatch is <see cref="StateStoreError.Corrupt"/>.
    /// </summary>
    public static ChainState Open(IStateStore store, ChainStateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= ChainStateOptions.Default;
        if (!store.IsInitialized) throw new StateStoreException(StateStoreError.Missing, $"state database {store.Location}: holds no chain yet (no genesis state)");
        var started = Stopwatch.GetTimestamp();
        var trie = Rebuild(store, options);
        return new ChainState(store, trie, options, Stopwatch.GetElapsedTime(started));
    }

    private static StateTrie Rebuild(IStateStore store, ChainStateOptions options)
    {
        var trie = StateTrie.FromState(store.Entries(), options.RootParallelism);
        var root = trie.ComputeRoot(options.RootParallelism);
        var head = store.Head;
        if (!root.Equals(head.StateRoot))
            throw new StateStoreException(StateStoreError.Corrupt,
                $"state database {store.Location}: corrupt: the flat state hashes to root {root} but {head} is recorded");
        return trie;
    }

    /// <summary>
    /// Executes <paramref name="block"/> (its number must follow the head's) over the committed state,
    /// computes the new root and commits it, unless <paramref name="accept"/> rejects the root: then
    /// nothing is written and the result says <see cref="CommittedBlock.Committed"/> = false.
    /// (<see cref="ChainPipeline"/> runs the same two halves with one block in flight.)
    /// </summary>
    public CommittedBlock Execute(Block block, in Hash256 blockHash, IBlockExecutor executor, ExecutionOptions? executionOptions = null,
        Func<Hash256, bool>? accept = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(executor);
        CheckFollows(block, _store.Head.Number);
        return RootAndCommit(ExecuteOver(_store, block, executor, executionOptions), blockHash, accept);
    }

    internal static void CheckFollows(Block block, long previous)
    {
        if (block.Header.Number != previous + 1)
            throw new InvalidOperationException($"block {block.Header.Number} does not follow the committed head (the next block is {previous + 1})");
    }

    /// <summary>
    /// Executes a block over <paramref name="state"/>: the store's committed state, or that state
    /// overlaid with the changes of a block still being committed (<see cref="OverlayStateReader"/>).
    /// When the store keeps an undo journal, reads go through a recorder, so the journal takes each
    /// changed key's previous value from what the block saw (the state after the block before it)
    /// instead of reading the store again; without a journal nothing would use them. When the store
    /// batches reads (<see cref="IStateStore.BatchedReads"/>), the keys the block's transactions declare
    /// are read first, in one batch per executor worker, into that recorder.
    /// Touches neither the trie nor the store's writes: may run while <see cref="RootAndCommit"/> runs
    /// (but not beside another ExecuteOver).
    /// </summary>
    internal ExecutedBlock ExecuteOver(IStateReader state, Block block, IBlockExecutor executor, ExecutionOptions? executionOptions)
    {
        var started = Stopwatch.GetTimestamp();
        var declared = _store.BatchedReads ? _declaredKeys.Collect(block) : null;
        bool prefetch = declared is { Count: > 0 };
        bool journaled = _store.JournalRetention > 0;
        if (!journaled && !prefetch)
        {
            var unrecorded = executor.Execute(block, state, executionOptions);
            return new ExecutedBlock(block, unrecorded, null, Stopwatch.GetElapsedTime(started));
        }
        var reader = new RecordingStateReader(state, block.Transactions.Count * 4);
        if (prefetch) Prefetch(reader, declared!, executor.Workers);
        var result = executor.Execute(block, reader, executionOptions);
        return new ExecutedBlock(block, result, journaled ? reader.Seen : null, Stopwatch.GetElapsedTime(started));
    }

    // Contiguous key ranges (the keys are sorted), one per worker the executor would use: the batched
    // reads take the cores the block's own reads would have taken.
    private static void Prefetch(RecordingStateReader reader, List<StateKey> keys, int workers)
    {
        int parts = Math.Clamp(Math.Min(workers, keys.Count / PrefetchRangeMinimum), 1, Environment.ProcessorCount);
        if (parts == 1)
        {
            reader.Prefetch(CollectionsMarshal.AsSpan(keys));
            return;
        }
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            int from = (int)((long)keys.Count * part / parts), to = (int)((long)keys.Count * (part + 1) / parts);
            reader.Prefetch(CollectionsMarshal.AsSpan(keys)[from..to]);
        });
    }

    /// <summary>
    /// Applies an executed block to the trie, computes the root and commits the block, unless
    /// <paramref name="accept"/> rejects the root. The block must follow the store's head and must have
    /// been executed over the state as of that head. The only method that touches the trie: one
    /// caller at a time. <paramref name="rootParallelism"/> overrides the hashing threads (the pipeline
    /// leaves the executor its cores).
    /// </summary>
    internal CommittedBlock RootAndCommit(ExecutedBlock executed, in Hash256 blockHash, Func<Hash256, bool>? accept, int? rootParallelism = null)
    {
        int dop = rootParallelism ?? _options.RootParallelism;
        var block = executed.Block;
        var result = executed.Result;
        CheckFollows(block, _store.Head.Number);
        if (_trieStale)
        {
            _trie = Rebuild(_store, _options);
            _trieStale = false;
        }

        var t1 = Stopwatch.GetTimestamp();
        // From here until the commit the trie is ahead of the store: any failure leaves it stale.
        _trieStale = true;
        _trie.Apply(result.Changes);
        var t2 = Stopwatch.GetTimestamp();
        var nodes = _nodes;
        nodes?.Clear();
        var root = nodes is null ? _trie.ComputeRoot(dop) : _trie.ComputeRoot(dop, nodes);
        var t3 = Stopwatch.GetTimestamp();
        var stored = new StoredBlock(block.Header.Number, root, blockHash);
        if (accept is not null && !accept(root))
        {
            return new CommittedBlock(stored, result, false, 0, executed.ExecuteTime, Stopwatch.GetElapsedTime(t1, t2),
                Stopwatch.GetElapsedTime(t2, t3), TimeSpan.Zero);
        }
        _store.Commit(stored, result.Changes, nodes, executed.PreviousValues);
        _trieStale = false;
        var t4 = Stopwatch.GetTimestamp();
        return new CommittedBlock(stored, result, true, nodes?.Count ?? 0, executed.ExecuteTime, Stopwatch.GetElapsedTime(t1, t2),
            Stopwatch.GetElapsedTime(t2, t3), Stopwatch.GetElapsedTime(t3, t4));
    }

    /// <summary>
    /// Reverts the last <paramref name="blocks"/> blocks in the store, rebuilds the trie and checks that
    /// its root is the new head's recorded root.
    /// </summary>
    public StoredBlock Revert(int blocks)
    {
        var head = _store.Revert(blocks);
        _trieStale = true;
        _trie = Rebuild(_store, _options);
        _trieStale = false;
        return head;
    }
}
