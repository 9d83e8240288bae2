using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Trie;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

public class StoreRoundTripTests
{
    [Theory]
    [InlineData(WorkloadKind.Mixed, 11UL)]
    [InlineData(WorkloadKind.Token, 3UL)]
    [InlineData(WorkloadKind.P2p, 7UL)]
    public void In_memory_and_RocksDB_stores_give_the_reference_roots(WorkloadKind kind, ulong seed)
    {
        var workload = Workload(kind: kind, seed: seed);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        using var memory = new InMemoryStateStore(journalRetention: 4);
        using var rocks = OpenRocks(dir.Sub("db"));
        var a = Create(memory, workload);
        var b = Create(rocks, workload);
        Assert.Equal(expected[0], memory.Head.StateRoot);
        Assert.Equal(expected[0], rocks.Head.StateRoot);
        using var parallel = new ParallelExecutor(2);
        var rootsA = Run(a, workload, 0, workload.Blocks.Length);
        var rootsB = Run(b, workload, 0, workload.Blocks.Length, parallel);
        Assert.Equal(expected[1..], rootsA);
        Assert.Equal(expected[1..], rootsB);
        Assert.Equal(memory.Entries().OrderBy(e => e.Key).ToList(), rocks.Entries().OrderBy(e => e.Key).ToList());
        for (int i = 0; i <= workload.Blocks.Length; i++)
        {
            Assert.True(rocks.TryGetBlock(i, out var record));
            Assert.Equal(expected[i], record.StateRoot);
        }
    }

    [Fact]
    public void An_in_memory_store_keeps_every_value_as_it_grows_reverts_and_refills()
    {
        // From 3 keys to hundreds (the value table grows many times), then reverts that remove keys
        // (their slots are reused by the next commits): the flat state always equals a plain dictionary's.
        var genesis = Enumerable.Range(1, 3).ToDictionary(n => StateKey.Balance(Address.FromNumber((ulong)n)), n => new UInt256((ulong)n));
        using var store = new InMemoryStateStore(journalRetention: 8);
        store.Initialize(genesis, new StoredBlock(0, default, default));
        var states = new List<Dictionary<StateKey, UInt256>> { new(genesis) };
        void Commit(int block, int newKeys)
        {
            var state = new Dictionary<StateKey, UInt256>(states[^1]);
            var changes = new List<StateChange>();
            foreach (var key in state.Keys.Where((_, i) => i % 3 == block % 3).ToList()) changes.Add(new(key, new UInt256((ulong)(block * 1000 + 1))));
            for (int i = 0; i < newKeys; i++) changes.Add(new(StateKey.Nonce(Address.FromNumber((ulong)(block * 100 + i))), new UInt256((ulong)i)));
            foreach (var c in changes) state[c.Key] = c.Value;
            store.Commit(new StoredBlock(block, default, default), changes.ToArray());
            states.Add(state);
        }
        void Matches(string when) =>
            Assert.True(states[^1].OrderBy(e => e.Key).SequenceEqual(store.Entries().OrderBy(e => e.Key)), when);

        for (int block = 1; block <= 6; block++) Commit(block, newKeys: 40 * block);
        Matches("after growing");
        store.Revert(3);
        states.RemoveRange(states.Count - 3, 3);
        Matches("after reverting");
        for (int block = 4; block <= 8; block++) Commit(block, newKeys: 25);
        Matches("after refilling");
        foreach (var (key, value) in states[^1]) Assert.True(store.TryGet(key, out var read) && read == value, $"{key}");
    }

    [Fact]
    public void Commit_reopen_and_continue_reaches_the_same_roots()
    {
        var workload = Workload(blocks: 16);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        using (var store = OpenRocks(path))
        {
            var chain = Create(store, workload);
            Run(chain, workload, 0, 6);
        }
        for (int stop = 6; stop < 16; stop += 5)
        {
            using var store = OpenRocks(path, create: false);
            Assert.True(store.IsInitialized);
            Assert.Equal(new StoredBlock(stop, expected[stop], HashOf(workload.Blocks[stop - 1])), store.Head);
            Assert.Equal(expected[0], store.Genesis.StateRoot);
            var chain = ChainState.Open(store, new ChainStateOptions { RootParallelism = 2 });
            var roots = Run(chain, workload, stop, Math.Min(16, stop + 5));
            Assert.Equal(expected[(stop + 1)..(stop + 1 + roots.Count)], roots);
        }
        using (var store = OpenRocks(path, create: false))
        {
            Assert.Equal(16, store.Head.Number);
            Assert.Equal(expected[16], store.Head.StateRoot);
        }
    }

    [Fact]
    public void Stored_trie_nodes_hold_every_node_of_the_current_tries()
    {
        var workload = Workload(blocks: 8, kind: WorkloadKind.Mixed);
        using var dir = new TempDir();
        using var memory = new InMemoryStateStore();
        using var rocks = OpenRocks(dir.Sub("db"));
        var chain = Create(memory, workload, EveryBlock);
        var chainB = Create(rocks, workload, EveryBlock);
        Run(chain, workload, 0, 8);
        Run(chainB, workload, 0, 8);
        AssertHeadTrieStored(memory, "memory");
        AssertHeadTrieStored(rocks, "rocksdb");
    }

    [Fact]
    public void A_block_out_of_order_is_refused_and_nothing_is_written()
    {
        var workload = Workload(blocks: 3);
        using var dir = new TempDir();
        using var rocks = OpenRocks(dir.Sub("db"));
        var chain = Create(rocks, workload);
        Assert.Throws<InvalidOperationException>(() => chain.Execute(workload.Blocks[1], default, new SequentialExecutor()));
        Assert.Equal(0, rocks.Head.Number);
    }

    [Fact]
    public void A_rejected_root_is_not_committed_and_the_chain_continues()
    {
        var workload = Workload(blocks: 4);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        using var rocks = OpenRocks(dir.Sub("db"));
        var chain = Create(rocks, workload);
        var rejected = chain.Execute(workload.Blocks[0], HashOf(workload.Blocks[0]), new SequentialExecutor(), accept: _ => false);
        Assert.False(rejected.Committed);
        Assert.Equal(expected[1], rejected.Block.StateRoot);
        Assert.Equal(0, rocks.Head.Number);
        Assert.Equal(expected[1..], Run(chain, workload, 0, 4));
    }
}
