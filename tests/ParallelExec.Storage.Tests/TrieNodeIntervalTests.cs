using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Trie;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// Trie nodes written at checkpoints (<see cref="ChainStateOptions.TrieNodeInterval"/>): at every
/// checkpoint the block's whole trie is in the store; everything else (roots, flat state, block
/// records, journals) is what interval 1 gives; interval 1 writes exactly the nodes each block hashed
/// (what every block wrote before intervals existed); and reopening, reverting, a rejected root or a
/// failed commit between checkpoints still leaves the next checkpoint complete. The RocksDB stores
/// ingest every checkpoint's nodes as a table file (a large checkpoint's way; CheckpointFileTests
/// cover its crash points). Seeds are random and named in every failure message.
/// </summary>
public class TrieNodeIntervalTests
{
    private const int Blocks = 16;
    private const int Retention = 6;

    public static TheoryData<bool, int> StoresAndIntervals()
    {
        var data = new TheoryData<bool, int>();
        foreach (bool rocks in new[] { false, true })
        {
            foreach (int interval in new[] { 1, 2, 3, 5 }) data.Add(rocks, interval);
        }
        return data;
    }

    public static TheoryData<bool> Stores => new() { false, true };

    public enum Disruption { Reopen, Revert, RejectedRoot, RejectedCheckpointRoot, FailedCheckpointCommit, FailedCommitBeforeCheckpoint }

    public static TheoryData<bool, int, Disruption> Disruptions()
    {
        var data = new TheoryData<bool, int, Disruption>();
        foreach (bool rocks in new[] { false, true })
        {
            foreach (int interval in new[] { 2, 3, 5 })
            {
                foreach (var disruption in Enum.GetValues<Disruption>()) data.Add(rocks, interval, disruption);
            }
        }
        return data;
    }

    private static IStateStore NewStore(bool rocks, TempDir dir, string name) =>
        rocks ? OpenRocks(dir.Sub(name), retention: Retention, checkpointFiles: true) : new InMemoryStateStore(Retention);

    private static ChainStateOptions Every(int interval) => new() { RootParallelism = 2, TrieNodeInterval = interval };

    private static Workload NewWorkload(int seed) =>
        Workload(blocks: Blocks, txs: 60, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 40);

    /// <summary>A workload of a random seed and its reference roots; <c>At</c> names the seed and <paramref name="setting"/> for failure messages.</summary>
    private static (string At, Workload Workload, Hash256[] Expected) RandomWorkload(string setting)
    {
        int seed = Environment.TickCount & 0x7fffffff;
        var workload = NewWorkload(seed);
        return ($"seed {seed}, {setting}", workload, ReferenceRoots(workload));
    }

    private static string StoreName(bool rocks) => rocks ? "RocksDB" : "in memory";

    private static List<KeyValuePair<StateKey, UInt256>> Sorted(IEnumerable<KeyValuePair<StateKey, UInt256>> entries) =>
        entries.OrderBy(e => e.Key).ToList();

    /// <summary>The head's whole trie is in the store, exactly, and its root is <paramref name="root"/>.</summary>
    private static void AssertHeadTrieStored(IStateStore store, Hash256 root, string at)
    {
        Assert.True(root == store.Head.StateRoot, $"{at}: head {store.Head}");
        StorageTestSupport.AssertHeadTrieStored(store, at);
    }

    /// <summary>
    /// Runs blocks [from, to) pipelined; after each committed checkpoint asserts its trie is stored (no
    /// commit is in flight while the callback runs) and that every other block wrote no node.
    /// </summary>
    private static CommittedBlock? RunChecked(ChainState chain, Workload workload, int from, int to, Hash256[] expected, string at,
        long reject = -1, List<long>? checkpoints = null, Action<CommittedBlock>? committed = null, IBlockExecutor? executor = null)
    {
        using var parallel = executor is null ? new ParallelExecutor(2) : null;
        var blocks = new List<PipelineBlock>();
        for (int i = from; i < to; i++)
        {
            var block = workload.Blocks[i];
            blocks.Add(new PipelineBlock(block, HashOf(block), Accept: block.Header.Number == reject ? _ => false : null));
        }
        return new ChainPipeline(chain, executor ?? parallel!).Run(blocks, c =>
        {
            committed?.Invoke(c);
            long n = c.Block.Number;
            Assert.True(expected[n] == c.Block.StateRoot, $"{at}: root of block {n}");
            if (!chain.IsCheckpoint(n))
            {
                Assert.True(c.TrieNodes == 0, $"{at}: block {n} is no checkpoint but wrote {c.TrieNodes} nodes");
                return;
            }
            AssertHeadTrieStored(chain.Store, expected[n], $"{at}, checkpoint {n}");
            checkpoints?.Add(n);
        });
    }

    [Theory]
    [MemberData(nameof(StoresAndIntervals))]
    public void Every_checkpoint_trie_is_stored_and_roots_states_records_and_journals_equal_interval_1(bool rocks, int interval)
    {
        var (at, workload, expected) = RandomWorkload($"interval {interval}, {StoreName(rocks)}");
        using var dir = new TempDir();
        using var a = NewStore(rocks, dir, "a");
        using var b = NewStore(rocks, dir, "b");
        var chainA = Create(a, workload, Every(1));
        var chainB = Create(b, workload, Every(interval));
        long nodesA = 0, nodesB = 0;
        using var parallel = new ParallelExecutor(2);
        Assert.Null(new ChainPipeline(chainA, parallel).Run(Enumerable.Range(0, Blocks).Select(i => new PipelineBlock(workload.Blocks[i], HashOf(workload.Blocks[i]))),
            c => nodesA += c.TrieNodes));
        var checkpoints = new List<long>();
        Assert.Null(RunChecked(chainB, workload, 0, Blocks, expected, at, checkpoints: checkpoints, committed: c => nodesB += c.TrieNodes, executor: parallel));

        Assert.Equal(Enumerable.Range(1, Blocks / interval).Select(k => (long)(k * interval)), checkpoints);
        Assert.True(a.Head == b.Head, $"{at}: heads {a.Head} and {b.Head}");
        Assert.True(Sorted(a.Entries()).SequenceEqual(Sorted(b.Entries())), $"{at}: the flat states differ");
        for (int n = 0; n <= Blocks; n++)
        {
            Assert.True(a.TryGetBlock(n, out var recordA) && b.TryGetBlock(n, out var recordB) && recordA == recordB, $"{at}: block record {n} differs");
        }
        Assert.True(nodesB <= nodesA, $"{at}: interval {interval} stored {nodesB} nodes, interval 1 wrote {nodesA}");
        // The journals agree: reverting both one block at a time walks through the same states.
        Assert.Equal(a.RevertibleBlocks, b.RevertibleBlocks);
        for (int k = 1; k <= Retention; k++)
        {
            Assert.True(expected[Blocks - k] == chainA.Revert(1).StateRoot, $"{at}: revert {k} (interval 1)");
            Assert.True(expected[Blocks - k] == chainB.Revert(1).StateRoot, $"{at}: revert {k}");
            Assert.True(Sorted(a.Entries()).SequenceEqual(Sorted(b.Entries())), $"{at}: the flat states differ after reverting {k} blocks");
        }
    }

    /// <summary>Each block's nodes as the trie's root computation hands them over (what every block wrote before intervals), sorted; index i: block i + 1.</summary>
    private static List<(Hash256 Hash, byte[] Rlp)>[] NodesEachBlockHashed(Workload workload)
    {
        var state = workload.Genesis.Clone();
        var trie = StateTrie.FromState(state.Entries);
        trie.ComputeRoot();
        var set = new TrieNodeSet();
        var executor = new SequentialExecutor();
        var nodes = new List<(Hash256, byte[])>[workload.Blocks.Length];
        for (int i = 0; i < workload.Blocks.Length; i++)
        {
            var result = executor.Execute(workload.Blocks[i], state);
            state.Apply(result.Changes);
            trie.Apply(result.Changes);
            set.Clear();
            trie.ComputeRoot(2, set);
            nodes[i] = SortedNodes(set);
        }
        return nodes;
    }

    /// <summary>The nodes written (removal records aside: the exact stored trie is checked by <see cref="AssertHeadTrieStored"/>).</summary>
    private static List<(Hash256 Hash, byte[] Rlp)> SortedNodes(IEnumerable<TrieNodeRecord>? nodes) =>
        (nodes ?? []).Where(n => !n.IsRemoval).Select(n => (n.Hash, n.Rlp.ToArray())).OrderBy(n => n.Hash.ToString(), StringComparer.Ordinal).ToList();

    private static bool SameNodes(List<(Hash256 Hash, byte[] Rlp)> a, List<(Hash256 Hash, byte[] Rlp)> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Hash == p.Second.Hash && p.First.Rlp.AsSpan().SequenceEqual(p.Second.Rlp));

    [Theory]
    [MemberData(nameof(Stores))]
    public void Interval_1_commits_exactly_the_nodes_each_block_hashed_also_after_a_reopen_and_a_revert(bool rocks)
    {
        var (at, workload, expected) = RandomWorkload(StoreName(rocks));
        var reference = NodesEachBlockHashed(workload);
        using var dir = new TempDir();
        var written = new Dictionary<long, List<(Hash256 Hash, byte[] Rlp)>>();
        void Record(StoredBlock block, IReadOnlyCollection<TrieNodeRecord>? nodes) => written[block.Number] = SortedNodes(nodes);
        void AssertWritten(int from, int to)
        {
            for (int n = from; n < to; n++)
            {
                Assert.True(SameNodes(reference[n - 1], written[n]), $"{at}: block {n} wrote {written[n].Count} nodes, it hashed {reference[n - 1].Count}");
            }
        }

        var inner = NewStore(rocks, dir, "db");
        var store = new FaultyStore(inner) { Nodes = Record };
        try
        {
            var chain = Create(store, workload, Every(1));
            Assert.Null(RunChecked(chain, workload, 0, 6, expected, at));
            AssertWritten(1, 7);
            // Reopen: a new trie, rebuilt from the flat state, whose nodes are all stored already.
            if (rocks)
            {
                inner.Dispose();
                inner = OpenRocks(dir.Sub("db"), retention: Retention, create: false, checkpointFiles: true);
            }
            store = new FaultyStore(inner) { Nodes = Record };
            chain = ChainState.Open(store, Every(1));
            Assert.Null(RunChecked(chain, workload, 6, 11, expected, at));
            AssertWritten(7, 12);
            Assert.Equal(expected[8], chain.Revert(3).StateRoot);
            written.Clear();
            Assert.Null(RunChecked(chain, workload, 8, Blocks, expected, at));
            AssertWritten(9, Blocks + 1);
        }
        finally
        {
            inner.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Disruptions))]
    public void A_disruption_between_checkpoints_still_leaves_the_next_checkpoint_complete(bool rocks, int interval, Disruption disruption)
    {
        var (at, workload, expected) = RandomWorkload($"interval {interval}, {disruption}, {StoreName(rocks)}");
        // The disrupted block: the first block after the second checkpoint that is no checkpoint, or that checkpoint.
        int checkpoint = 2 * interval;
        int m = disruption switch
        {
            Disruption.RejectedCheckpointRoot or Disruption.FailedCheckpointCommit => checkpoint,
            Disruption.FailedCommitBeforeCheckpoint => checkpoint - 1,
            _ => checkpoint + 1,
        };
        using var dir = new TempDir();
        var inner = NewStore(rocks, dir, "db");
        var store = new FaultyStore(inner);
        var checkpoints = new List<long>();
        try
        {
            var chain = Create(store, workload, Every(interval));
            switch (disruption)
            {
                case Disruption.Reopen:
                    // Blocks after the checkpoint wrote no nodes; a new process finds them missing.
                    Assert.Null(RunChecked(chain, workload, 0, m, expected, at, checkpoints: checkpoints));
                    if (rocks)
                    {
                        inner.Dispose();
                        inner = OpenRocks(dir.Sub("db"), retention: Retention, create: false, checkpointFiles: true);
                    }
                    store = new FaultyStore(inner);
                    chain = ChainState.Open(store, Every(interval));
                    break;
                case Disruption.Revert:
                    // Back over the checkpoint to the block before it: its nodes stay stored.
                    Assert.Null(RunChecked(chain, workload, 0, m, expected, at, checkpoints: checkpoints));
                    Assert.Equal(expected[checkpoint - 1], chain.Revert(m - checkpoint + 1).StateRoot);
                    m = checkpoint - 1;
                    break;
                case Disruption.RejectedRoot:
                case Disruption.RejectedCheckpointRoot:
                    var rejected = RunChecked(chain, workload, 0, Blocks, expected, at, reject: m, checkpoints: checkpoints);
                    Assert.True(rejected is { Committed: false } && rejected.Block.Number == m, $"{at}: block {m} was not the rejected one");
                    m--;
                    break;
                default:
                    store.BeforeCommit = b =>
                    {
                        if (b.Number == m) throw new StateStoreException(StateStoreError.IoError, "injected commit failure");
                    };
                    Assert.Throws<StateStoreException>(() => RunChecked(chain, workload, 0, Blocks, expected, at, checkpoints: checkpoints));
                    store.BeforeCommit = null;
                    m--;
                    break;
            }
            Assert.True(expected[m] == chain.Head.StateRoot, $"{at}: head {chain.Head} after the disruption");
            Assert.Null(RunChecked(chain, workload, m, Blocks, expected, at, checkpoints: checkpoints));
            Assert.Equal(expected[Blocks], chain.Head.StateRoot);
            // Every checkpoint was reached and found complete, the ones after the disruption included.
            var all = Enumerable.Range(1, Blocks / interval).Select(k => (long)(k * interval)).ToList();
            Assert.True(all.All(checkpoints.Contains), $"{at}: checkpoints checked: {string.Join(", ", checkpoints)}");
        }
        finally
        {
            inner.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_head_between_checkpoints_is_made_one_by_Checkpoint_and_by_the_next_open(bool rocks)
    {
        var (at, workload, expected) = RandomWorkload(StoreName(rocks));
        using var dir = new TempDir();
        var store = NewStore(rocks, dir, "db");
        try
        {
            var chain = Create(store, workload, Every(4));
            Assert.Null(RunChecked(chain, workload, 0, 6, expected, at));
            Assert.Equal(4, store.TrieNodesAt?.Number);
            // Asked for: the nodes the blocks since the last checkpoint changed are written now.
            Assert.True(chain.Checkpoint(), $"{at}: nothing written for head 6");
            AssertHeadTrieStored(store, expected[6], $"{at}, checkpoint asked at 6");
            Assert.False(chain.Checkpoint(), $"{at}: a second checkpoint of the same head wrote again");
            // The chain goes on as before: block 8 is the interval's checkpoint, and complete (RunChecked).
            var checkpoints = new List<long>();
            Assert.Null(RunChecked(chain, workload, 6, 10, expected, at, checkpoints: checkpoints));
            Assert.Equal([8L], checkpoints);
            Assert.Equal(8, store.TrieNodesAt?.Number);
            // Opened with head 10 between checkpoints: the open brings block 8's stored trie to the
            // head over the journals, and stores it, so the open after it reads only the root.
            if (rocks)
            {
                store.Dispose();
                store = OpenRocks(dir.Sub("db"), retention: Retention, create: false, checkpointFiles: true);
            }
            var opened = ChainState.Open(store, Every(4));
            Assert.False(opened.OpenRebuiltTrie, $"{at}: the open rebuilt the trie");
            AssertHeadTrieStored(store, expected[10], $"{at}, opened at 10");
            Assert.False(opened.Checkpoint(), $"{at}: the open left the head's trie unstored");
            Assert.Null(RunChecked(opened, workload, 10, Blocks, expected, at));
            Assert.Equal(expected[Blocks], opened.Head.StateRoot);
        }
        finally
        {
            store.Dispose();
        }
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(-3, 2)]
    [InlineData(4, 0)]
    public void Bad_options_are_refused_before_the_store_is_touched(int interval, int rootParallelism)
    {
        var workload = Workload(blocks: 1);
        var store = new InMemoryStateStore();
        var options = new ChainStateOptions { TrieNodeInterval = interval, RootParallelism = rootParallelism };

        Assert.Throws<ArgumentOutOfRangeException>(() => ChainState.Create(store, workload.Genesis.Entries, options: options));
        Assert.False(store.IsInitialized, "a refused option left a genesis in the store");

        ChainState.Create(store, workload.Genesis.Entries, options: Every(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChainState.Open(store, options));
    }
}
