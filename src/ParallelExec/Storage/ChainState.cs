using System.Diagnostics;
using System.Runtime.InteropServices;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Storage;

/// <summary>
/// Drives a chain on a <see cref="IStateStore"/>: executes each block over the store's committed
/// state, applies the changes to the in-memory <see cref="StateTrie"/>, computes the root and commits
/// the block (changes, at a checkpoint the trie nodes the store lacks, record, undo journal) atomically. On open the trie is rebuilt
/// from the flat state (hashed on several threads) and its root must equal the stored root, so a store
/// whose state and root disagree is never extended. One writer: not thread-safe, except that
/// <see cref="ChainPipeline"/> runs <see cref="ExecuteOver"/>, <see cref="Root"/> and <see cref="Commit"/>
/// of consecutive blocks at once.
/// </summary>
public sealed partial class ChainState
{
    private const int PrefetchRangeMinimum = 1024; // keys below which one more prefetching thread is not worth starting

    private readonly IStateStore _store;
    private readonly ChainStateOptions _options;
    // Two node sets, used in turn: a block's nodes stay untouched while it commits and the next block
    // is hashed (ChainPipeline). Reused block after block. Not an ObjectPool: the turn is the invariant
    // (a set is refilled two blocks later, once the pipeline's rendezvous has seen its commit land).
    private readonly TrieNodeSet?[] _nodeSets = new TrieNodeSet?[2];
    private int _nextNodeSet;
    private readonly PrefetchKeys _prefetchKeys; // used by ExecuteOver only
    private readonly RecordingReaderPool _readers = new();

    /// <summary>Readers made to record blocks' reads (for tests: a pipeline keeps reusing a few).</summary>
    internal int RecordingReadersMade => _readers.Made;
    private StateTrie _trie;
    // The trie may hold changes that will never be committed (a failure, a rejected root): rebuild it
    // from the store before its next use. Also set by a failed commit on the pipeline's commit thread.
    private volatile bool _trieStale;
    // Blocks applied to the trie and accepted whose commit has not landed (at most 2 in the pipeline),
    // and the last of them: the next block must follow it.
    private int _uncommitted;
    private long _lastRooted;
    // The last block rooted as a checkpoint (of the interval or the budget) by this chain state; -1: none
    // yet (its first checkpoint cannot widen the interval anyway: a chain state starts at the longest).
    private long _lastCheckpoint = -1;

    private ChainState(IStateStore store, StateTrie trie, ChainStateOptions options, TimeSpan openTime)
    {
        _store = store;
        _prefetchKeys = new PrefetchKeys(store.KeepsAccountsWhole);
        _trie = trie;
        _options = options;
        if (options.PersistTrieNodes)
            for (int i = 0; i < _nodeSets.Length; i++) _nodeSets[i] = new TrieNodeSet(1 << 16);
        OpenTime = openTime;
        _warmDue = options.WarmTrie && options.PersistTrieNodes;
        _accountsWarmDue = options.CacheAccounts;
    }

    /// <summary>The store the chain commits to.</summary>
    public IStateStore Store => _store;

    /// <summary>The last committed block.</summary>
    public StoredBlock Head => _store.Head;

    /// <summary>Threads for hashing the trie (<see cref="ChainStateOptions.RootParallelism"/>).</summary>
    public int RootParallelism => _options.RootParallelism;

    /// <summary>Time spent building the trie when the state was created or opened.</summary>
    public TimeSpan OpenTime { get; private set; }

    // Before anything is written: a bad option must not leave a half-made store behind.
    private static ChainStateOptions Checked(ChainStateOptions? options)
    {
        options ??= ChainStateOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TrieNodeInterval, 1, nameof(options.TrieNodeInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RootParallelism, 1, nameof(options.RootParallelism));
        ArgumentOutOfRangeException.ThrowIfNegative(options.TrieCacheBytes, nameof(options.TrieCacheBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(options.CheckpointBytes, nameof(options.CheckpointBytes));
        return options;
    }

    /// <summary>Writes <paramref name="genesis"/> into an empty store as the state before block <paramref name="genesisNumber"/> + 1.</summary>
    public static ChainState Create(IStateStore store, IEnumerable<KeyValuePair<StateKey, UInt256>> genesis, long genesisNumber = 0, ChainStateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(genesis);
        options = Checked(options);
        if (store.IsInitialized) throw new InvalidOperationException($"the state store already holds a chain (at block {store.Head.Number})");
        var started = Stopwatch.GetTimestamp();
        var entries = genesis as IReadOnlyCollection<KeyValuePair<StateKey, UInt256>> ?? genesis.ToList();
        var trie = StateTrie.FromState(entries, options.RootParallelism);
        var root = trie.ComputeRoot(options.RootParallelism);
        store.Initialize(entries, new StoredBlock(genesisNumber, root, default), options.PersistTrieNodes ? trie.ExportAllNodes() : null);
        if (options.PersistTrieNodes) FollowStore(trie, store); // the genesis is always a checkpoint
        return new ChainState(store, trie, options, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Opens an initialised store: over its stored trie, reading almost nothing (see
    /// <see cref="OpenTrie"/>), or else by rebuilding the trie from its flat state; the root must be
    /// the head's. A mismatch is <see cref="StateStoreError.Corrupt"/>.
    /// </summary>
    public static ChainState Open(IStateStore store, ChainStateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options = Checked(options);
        if (!store.IsInitialized) throw new StateStoreException(StateStoreError.Missing, $"state database {store.Location}: holds no chain yet (no genesis state)");
        var started = Stopwatch.GetTimestamp();
        var trie = OpenTrie(store, options, out bool rebuilt);
        return new ChainState(store, trie, options, Stopwatch.GetElapsedTime(started)) { OpenRebuiltTrie = rebuilt };
    }

    /// <summary>Whether <see cref="Open"/> rebuilt the trie from the whole flat state (false: it opened the stored trie).</summary>
    public bool OpenRebuiltTrie { get; private init; }

    /// <summary>
    /// The trie of the store's flat state, checked against the head's root. When nodes are persisted
    /// and the store's are not the head's trie, they are replaced by this one's.
    /// </summary>
    private static StateTrie Rebuild(IStateStore store, ChainStateOptions options)
    {
        var trie = StateTrie.FromState(store.Entries(), options.RootParallelism);
        var root = trie.ComputeRoot(options.RootParallelism);
        var head = store.Head;
        if (!root.Equals(head.StateRoot))
            throw new StateStoreException(StateStoreError.Corrupt,
                $"state database {store.Location}: corrupt: the flat state hashes to root {root} but {head} is recorded");
        if (options.PersistTrieNodes)
        {
            if (store.TrieNodesAt != head) store.ReplaceTrieNodes(trie.ExportAllNodes(), head);
            FollowStore(trie, store);
        }
        return trie;
    }

    /// <summary>
    /// Executes <paramref name="block"/> (its number must follow the head's) over the committed state,
    /// computes the new root and commits it, unless <paramref name="accept"/> rejects the root: then
    /// nothing is written and the result says <see cref="CommittedBlock.Committed"/> = false.
    /// With <paramref name="rootFromAccessList"/> and an access list in the options, the list's
    /// post-state is hashed on another thread while the block executes, then checked against its
    /// changes (<see cref="CommittedBlock.ListRoot"/>). (<see cref="ChainPipeline"/> runs the same
    /// parts of consecutive blocks at once.)
    /// </summary>
    public CommittedBlock Execute(Block block, in Hash256 blockHash, IBlockExecutor executor, ExecutionOptions? executionOptions = null,
        Func<Hash256, bool>? accept = null, bool rootFromAccessList = false)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(executor);
        CheckFollows(block, _store.Head.Number);
        if ((rootFromAccessList ? ListToHash(executionOptions) : null) is not { } list)
            return RootAndCommit(ExecuteOver(_store, block, executor, executionOptions), blockHash, accept);
        var hashing = Task.Factory.StartNew(() => BeginListRoot(block, list), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        ExecutedBlock executed;
        try
        {
            executed = ExecuteOver(_store, block, executor, executionOptions);
        }
        catch
        {
            // The hashing changes the trie: it must be over before anything else uses it (opened again, as it is
            // stale). The execution's failure is the one thrown.
            try
            {
                hashing.Wait();
            }
            catch (AggregateException)
            {
            }
            throw;
        }
        var rooted = FinishListRoot(hashing.GetAwaiter().GetResult(), executed, _store, blockHash, accept);
        return rooted.Accepted ? Commit(rooted) : rooted.Rejected();
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
    /// batches reads (<see cref="IStateStore.BatchedReads"/>), the keys the block's access list names,
    /// or else those its transactions declare in their hints or will likely touch (<see cref="PrefetchKeys"/>),
    /// are read first, in one batch per executor worker, into that recorder.
    /// Touches neither the trie nor the store's writes: may run while <see cref="RootAndCommit"/> runs
    /// (but not beside another ExecuteOver).
    /// </summary>
    internal ExecutedBlock ExecuteOver(IStateReader state, Block block, IBlockExecutor executor, ExecutionOptions? executionOptions)
    {
        var started = Stopwatch.GetTimestamp();
        var keys = !_store.BatchedReads ? null
            : ListToHash(executionOptions) is { } list ? _prefetchKeys.Collect(list) : _prefetchKeys.Collect(block);
        bool prefetch = keys is { Count: > 0 };
        bool journaled = _store.JournalRetention > 0;
        if (!journaled && !prefetch)
        {
            var unrecorded = executor.Execute(block, state, executionOptions);
            return new ExecutedBlock(block, unrecorded, null, Stopwatch.GetElapsedTime(started));
        }
        // Room for the prefetched keys and a few more per transaction: growing it copies every entry.
        var reader = _readers.Take(state, (keys?.Count ?? 0) + block.Transactions.Count * 2);
        if (prefetch) Prefetch(reader, keys!, executor.Workers);
        var result = executor.Execute(block, reader, executionOptions);
        return new ExecutedBlock(block, result, journaled ? reader.Seen : null, Stopwatch.GetElapsedTime(started)) { Reader = reader };
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
    /// <paramref name="accept"/> rejects the root (<see cref="Root"/> then <see cref="Commit"/>).
    /// <paramref name="rootParallelism"/> overrides the hashing threads.
    /// </summary>
    internal CommittedBlock RootAndCommit(ExecutedBlock executed, in Hash256 blockHash, Func<Hash256, bool>? accept, int? rootParallelism = null)
    {
        var rooted = Root(executed, blockHash, accept, rootParallelism);
        return rooted.Accepted ? Commit(rooted) : rooted.Rejected();
    }

    /// <summary>
    /// Account-trie leaves the blocks' updates built from the account fields the blocks had read,
    /// instead of reading them from the store (see <see cref="StateTrie.BuiltLeafCount"/>).
    /// </summary>
    public long BuiltTrieLeaves { get; private set; }

    /// <summary>
    /// Storage-trie leaves the blocks' updates built from the slot values the blocks had read, instead
    /// of reading them from the store (a block that changes many slots of one contract; see storage.md).
    /// </summary>
    public long BuiltSlotLeaves { get; private set; }

    /// <summary>
    /// Applies an executed block to the trie, computes its root and, at a checkpoint, collects the trie
    /// nodes the store lacks (<see cref="IsCheckpoint"/>). The
    /// block must follow the last block applied (the store's head, or the last rooted block whose
    /// commit is still under way) and must have been executed over the state as of that block. The
    /// only method that changes the trie: one caller at a time; it may run while <see cref="Commit"/>
    /// commits the block before. A rejected root leaves the trie to be rebuilt before the next block.
    /// <paramref name="rootParallelism"/> (the chain's setting by default) bounds the hashing threads;
    /// the update runs on all of the chain's (<see cref="UpdateTrie"/>).
    /// </summary>
    internal RootedBlock Root(ExecutedBlock executed, in Hash256 blockHash, Func<Hash256, bool>? accept, int? rootParallelism = null)
    {
        int dop = rootParallelism ?? _options.RootParallelism;
        var block = executed.Block;
        PrepareTrie(block);
        var t1 = Stopwatch.GetTimestamp();
        var witness = BuildWitnesses ? WitnessOf(executed, _trie) : null;
        // From here until the root is accepted the trie holds a block that may never be committed.
        _trieStale = true;
        long built = _trie.BuiltLeafCount, builtSlots = _trie.BuiltSlotLeafCount;
        UpdateTrie(executed.Result.ChangeSpan, executed.Reader?.Seen);
        BuiltTrieLeaves += _trie.BuiltLeafCount - built;
        BuiltSlotLeaves += _trie.BuiltSlotLeafCount - builtSlots;
        var t2 = Stopwatch.GetTimestamp();
        var nodes = NextNodeSet(block);
        // A checkpoint writes every node the store lacks; the blocks between write none.
        var root = nodes is null ? _trie.ComputeRoot(dop) : _trie.ComputeRootForCheckpoint(dop, nodes, _options.RootParallelism);
        var t3 = Stopwatch.GetTimestamp();
        return Seal(executed, blockHash, accept, root, nodes, Stopwatch.GetElapsedTime(t1, t2), Stopwatch.GetElapsedTime(t2, t3), ListRootOutcome.None) with { Witness = witness };
    }

    /// <summary>
    /// Applies <paramref name="changes"/> to the trie on all of the chain's threads, whatever the hashing
    /// threads. Most of an update over a large stored trie is loading the nodes it walks into (a RocksDB
    /// read that misses the block cache, then a hash check), which waits on memory more than it computes,
    /// so its threads overlap those waits even while the next block executes: at 10 M accounts on 2
    /// cores a block's update took 0.65-0.73 s on two threads against 0.94 s on one, and hashing on two
    /// threads there still cost more than it saved. <paramref name="valuesBefore"/>, the block's reads
    /// (the state after the block before, which the trie holds), spares the read of a cold account's
    /// leaf: the leaf is built from the account's fields and checked against its parent's hash.
    /// </summary>
    private void UpdateTrie(ReadOnlySpan<StateChange> changes, IReadOnlyDictionary<StateKey, (bool Existed, UInt256 Value)>? valuesBefore = null) =>
        _trie.Apply(changes, _options.RootParallelism, valuesBefore);

    /// <summary>
    /// Before a block changes the trie: evicts if a checkpoint made it due, checks the block follows the
    /// last one applied, and opens the trie again if it holds changes that were never committed.
    /// </summary>
    private void PrepareTrie(Block block)
    {
        WarmIfDue();
        EvictIfDue();
        bool ahead = Volatile.Read(ref _uncommitted) > 0;
        CheckFollows(block, ahead ? _lastRooted : _store.Head.Number);
        if (_trieStale)
        {
            if (ahead) throw new InvalidOperationException("the trie must be opened again, but blocks applied to it are still being committed");
            _trie = ReopenTrie(out _);
            _trieStale = false;
        }
    }

    /// <summary>
    /// At a checkpoint (of the interval, or for the budget: <see cref="OverBudget"/>), the node set (in
    /// turn, cleared) for the nodes the store lacks; null between checkpoints.
    /// </summary>
    private TrieNodeSet? NextNodeSet(Block block)
    {
        bool checkpoint = IsCheckpoint(block.Header.Number);
        if (!checkpoint && OverBudget())
        {
            checkpoint = true;
            BudgetCheckpoints++;
        }
        var nodes = checkpoint ? _nodeSets[_nextNodeSet] : null;
        _nextNodeSet ^= 1;
        nodes?.Clear();
        return nodes;
    }

    /// <summary>The block's root is in the trie: the caller's check, and on acceptance the trie is the block's.</summary>
    private RootedBlock Seal(ExecutedBlock executed, in Hash256 blockHash, Func<Hash256, bool>? accept, in Hash256 root, TrieNodeSet? nodes,
        TimeSpan applyTime, TimeSpan rootTime, ListRootOutcome listRoot)
    {
        var number = executed.Block.Header.Number;
        var stored = new StoredBlock(number, root, blockHash);
        bool accepted = accept is null || accept(root);
        if (accepted)
        {
            _trieStale = false;
            // Once this checkpoint's nodes are durable, what is beyond the budget can go.
            if (nodes is not null && _options.TrieCacheBytes > 0) _evictionDue = true;
            if (nodes is not null)
            {
                // The interval follows its own checkpoints, each judged by the blocks it covered.
                if (IsCheckpoint(number)) AdaptCheckpoints(nodes.ByteCount, number - _lastCheckpoint);
                _lastCheckpoint = number;
            }
            _lastRooted = number;
            Interlocked.Increment(ref _uncommitted);
        }
        return new RootedBlock(executed, stored, accepted ? nodes : null, accepted, applyTime, rootTime) { ListRoot = listRoot };
    }

    /// <summary>
    /// Commits a block <see cref="Root"/> accepted: changes, trie nodes, record and undo journal in one
    /// atomic store commit. Blocks are committed in the order they were rooted, one at a time; the next
    /// block may be rooted meanwhile. A failed commit leaves the trie to be rebuilt.
    /// </summary>
    internal CommittedBlock Commit(RootedBlock rooted)
    {
        if (!rooted.Accepted) throw new InvalidOperationException($"{rooted.Stored} was rejected: it cannot be committed");
        var executed = rooted.Executed;
        var t = Stopwatch.GetTimestamp();
        int nodeCount = rooted.Nodes?.Count ?? 0;
        long nodeBytes = rooted.Nodes?.ByteCount ?? 0;
        try
        {
            _store.Commit(rooted.Stored, executed.Result.ChangeSpan, rooted.Nodes, executed.PreviousValues);
            // The journal has taken what the reader recorded: the reader serves a later block. (A block
            // that fails or is rejected keeps its reader; the collector takes it.)
            if (executed.Reader is { } reader) _readers.Return(reader);
        }
        catch
        {
            _trieStale = true;
            throw;
        }
        finally
        {
            // The nodes are in the store (or the trie is rebuilt): let a checkpoint's go now, not when
            // the set is next filled.
            rooted.Nodes?.Clear();
            Interlocked.Decrement(ref _uncommitted);
        }
        return new CommittedBlock(rooted.Stored, executed.Result, true, nodeCount, executed.ExecuteTime, rooted.ApplyTime,
            rooted.RootTime, Stopwatch.GetElapsedTime(t)) { ListRoot = rooted.ListRoot, TrieBytes = nodeBytes, Witness = rooted.Witness };
    }

    /// <summary>Gives up a block <see cref="Root"/> accepted that will not be committed (a failure came first): the trie is rebuilt before the next block.</summary>
    internal void Discard(RootedBlock rooted)
    {
        if (!rooted.Accepted) return;
        _trieStale = true;
        Interlocked.Decrement(ref _uncommitted);
    }

    /// <summary>
    /// Reverts the last <paramref name="blocks"/> blocks in the store and checks that the trie's root is
    /// the new head's recorded root. When the store lists its journals (<see cref="IUndoJournalReader"/>)
    /// the keys the undone blocks changed are set back in the trie to their values after the revert, as
    /// ordinary updates; otherwise, or when that root differs, the trie is rebuilt from the flat state
    /// (<see cref="LastRevertRebuiltTrie"/>).
    /// </summary>
    public StoredBlock Revert(int blocks)
    {
        if (Volatile.Read(ref _uncommitted) > 0) throw new InvalidOperationException("blocks are still being committed: revert once they are");
        // The journals are read before the store drops them; a trie ahead of the store is rebuilt instead.
        long headNumber = _store.Head.Number;
        var keys = _trieStale ? null : JournalKeys(_store, Math.Max(headNumber - blocks + 1, 0), headNumber);
        var head = _store.Revert(blocks);
        _trieStale = true;
        var nodes = _options.PersistTrieNodes ? _nodeSets[_nextNodeSet] : null;
        nodes?.Clear();
        if (keys is not null && ApplyStoreValues(_trie, _store, keys, nodes, _options.RootParallelism) == head.StateRoot)
        {
            // The stored trie follows: the nodes the revert changed since the last checkpoint.
            if (nodes is not null) _store.WriteTrieNodes(nodes, head);
            LastRevertRebuiltTrie = false;
        }
        else
        {
            _trie = ReopenTrie(out bool rebuilt);
            LastRevertRebuiltTrie = rebuilt;
        }
        _trieStale = false;
        return head;
    }

    /// <summary>Whether the last <see cref="Revert"/> rebuilt the trie from the flat state (false: it updated the keys the undone blocks changed).</summary>
    public bool LastRevertRebuiltTrie { get; private set; }

}
