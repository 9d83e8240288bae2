using ParallelExec.State;
using ParallelExec.Storage.RocksDb;
using ParallelExec.Trie;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>A genesis imported through the external sort and the streaming trie builder, against one built in memory.</summary>
public class GenesisImportTests
{
    [Theory]
    [InlineData(WorkloadKind.Mixed, 300, 64)] // many sort runs, merged
    [InlineData(WorkloadKind.Token, 200, 1 << 20)] // one run, sorted in memory
    [InlineData(WorkloadKind.Amm, 150, 7)]
    [InlineData(WorkloadKind.Token, 12_000, 1 << 14)] // tries five and six nibbles deep
    public void An_imported_genesis_has_the_in_memory_root_and_stores_its_whole_trie(WorkloadKind kind, int accounts, int runEntries)
    {
        var workload = Workload(blocks: 4, accounts: accounts, kind: kind);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        foreach (var store in new IStateStore[] { new InMemoryStateStore(), OpenRocks(dir.Sub("db")) })
        {
            using (store)
            {
                // A table file an import killed before its ingestion left (more than this one writes).
                if (store is RocksDbStateStore) File.WriteAllText(Path.Combine(dir.Sub("db"), "import-account-deep-9.sst"), "left by a killed import");
                var chain = ChainState.Import(store, workload.Genesis.Entries.OrderBy(e => e.Key), dir.Sub("scratch"), options: EveryBlock, runEntries: runEntries);
                Assert.Equal(expected[0], store.Genesis.StateRoot);
                AssertHeadTrieStored(store, $"{store.Location}, imported");
                if (store is RocksDbStateStore rocks)
                {
                    // The import's depth-first nodes all went to table files: the deep ones at the
                    // bottom level, in level 0 only the two files of the tries' top nodes.
                    Assert.Equal(0, rocks.WholeTrieNodesInBatches);
                    Assert.Equal(rocks.CountTrieNodes(), rocks.WholeTrieNodesInFiles);
                    var levels = string.Join(", ", Enumerable.Range(0, 7).Select(rocks.TrieFilesAtLevel));
                    Assert.True(rocks.TrieFilesAtLevel(0) <= 2, $"files per level: {levels}");
                    Assert.True(rocks.TrieFilesAtLevel(6) > 0, $"the deep nodes are not at the bottom level: {levels}");
                    Assert.Empty(Directory.EnumerateFiles(dir.Sub("db"), "import-*"));
                }
                // The sort's runs and their folder are gone; the caller's folder is left as it was given.
                Assert.False(Directory.Exists(dir.Sub("scratch")) && Directory.EnumerateFileSystemEntries(dir.Sub("scratch")).Any(), "sort runs were left behind");
                Run(chain, workload, 0, 4);
                Assert.Equal(expected[4], store.Head.StateRoot);
                AssertHeadTrieStored(store, $"{store.Location}, after 4 blocks");
            }
        }
    }

    [Fact]
    public void Zero_slots_and_accounts_with_only_zero_slots_are_no_entries_and_a_zero_field_is_an_account()
    {
        var a = Address(1);
        var b = Address(2);
        var c = Address(3);
        var genesis = new List<KeyValuePair<StateKey, UInt256>>
        {
            new(StateKey.Balance(a), new UInt256(5)),
            new(StateKey.Storage(a, new UInt256(1)), default),
            new(StateKey.Storage(a, new UInt256(2)), new UInt256(9)),
            new(StateKey.Storage(b, new UInt256(1)), default), // only a zero slot: no account
            new(StateKey.Nonce(c), default), // a zero field: an (empty) account
        };
        var expected = StateTrie.FromState(genesis).ComputeRoot();
        using var dir = new TempDir();
        using var store = new InMemoryStateStore();
        ChainState.Import(store, genesis.OrderBy(e => e.Key), dir.Sub("scratch"), runEntries: 2);
        Assert.Equal(expected, store.Genesis.StateRoot);
    }

    [Fact]
    public void A_key_given_twice_is_refused_and_the_store_stays_uninitialised()
    {
        var a = Address(1);
        var genesis = new List<KeyValuePair<StateKey, UInt256>>
        {
            new(StateKey.Balance(a), new UInt256(5)),
            new(StateKey.Balance(a), new UInt256(6)),
        };
        using var dir = new TempDir();
        using var store = OpenRocks(dir.Sub("db"));
        var error = Assert.Throws<ArgumentException>(() => ChainState.Import(store, genesis, dir.Sub("scratch"), runEntries: 2));
        Assert.Contains("twice", error.Message);
        Assert.False(store.IsInitialized);
    }

    [Theory]
    [InlineData(1)] // while the genesis streams into the flat state and the sort runs
    [InlineData(2)] // while the sorted runs are merged into the tries and their table files
    public void An_import_cancelled_in_either_pass_stops_there_and_the_next_creating_open_starts_it_over(int cancelAtLook)
    {
        // Between one and two looks' worth of entries: the first look falls in the first pass, the second in the merge.
        var entries = Workload(blocks: 1, accounts: 30_000, kind: WorkloadKind.Token).Genesis.Entries.OrderBy(e => e.Key).ToArray();
        Assert.InRange(entries.Length, ChainState.ImportCheckInterval, 2 * ChainState.ImportCheckInterval - 1);
        using var dir = new TempDir();
        string db = dir.Sub("db"), scratch = dir.Sub("scratch");
        var looks = new List<long>();
        using (var cancel = new CancellationTokenSource())
        using (var store = OpenRocks(db))
        {
            Assert.Throws<OperationCanceledException>(() => ChainState.Import(store, entries, scratch, runEntries: 1 << 14, cancellationToken: cancel.Token,
                progress: handled =>
                {
                    looks.Add(handled);
                    if (looks.Count == cancelAtLook) cancel.Cancel();
                }));
            Assert.False(store.IsInitialized);
        }
        // It stopped at the look that saw the cancellation, in the pass the case names.
        Assert.Equal(cancelAtLook, looks.Count);
        Assert.Equal((long)cancelAtLook * ChainState.ImportCheckInterval, looks[^1]);
        Assert.Equal(cancelAtLook == 1, looks[^1] <= entries.Length);
        Assert.False(Directory.Exists(scratch) && Directory.EnumerateFileSystemEntries(scratch).Any(), "sort runs were left behind");
        Assert.Empty(Directory.EnumerateFiles(db, "import-*"));
        // Only a creating open may take the folder again; it starts the import over.
        var refused = Assert.Throws<StateStoreException>(() => OpenRocks(db, create: false));
        Assert.Contains("initialisation was interrupted", refused.Message);
        Hash256 expected;
        using (var reference = new InMemoryStateStore())
        {
            ChainState.Import(reference, entries, scratch);
            expected = reference.Genesis.StateRoot;
        }
        using (var store = OpenRocks(db))
        {
            Assert.False(store.IsInitialized);
            looks.Clear();
            ChainState.Import(store, entries, scratch, runEntries: 1 << 14, options: EveryBlock, progress: looks.Add);
            Assert.Equal(expected, store.Genesis.StateRoot);
            AssertHeadTrieStored(store, "imported again");
            Assert.Equal(2L * entries.Length, looks[^1]); // every entry counted once per pass
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_whole_trie_given_in_another_order_is_stored_node_for_node(int seed)
    {
        var entries = Workload(blocks: 1, accounts: 3_000, kind: WorkloadKind.Mixed).Genesis.Entries.OrderBy(e => e.Key).ToList();
        var trie = StateTrie.FromState(entries);
        var root = trie.ComputeRoot();
        var nodes = trie.ExportAllNodes().Select(n => new TrieNodeRecord(n.Hash, n.Rlp.ToArray(), n.Owner.ToArray(), n.Path.ToArray())).ToList();
        // Seed 1: the trie walk's own order (storage tries by address, not by hashed owner); others shuffled.
        if (seed > 1) new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(nodes));
        using var dir = new TempDir();
        using var store = OpenRocks(dir.Sub("db"));
        store.Initialize(entries, new StoredBlock(0, root, default), nodes);
        AssertHeadTrieStored(store, $"seed {seed}");
        Assert.Equal(nodes.Count, store.WholeTrieNodesInFiles + store.WholeTrieNodesInBatches);
        if (seed > 1) Assert.True(store.WholeTrieNodesInBatches > 0, $"seed {seed}: shuffled nodes all went to table files");
        Assert.Empty(Directory.EnumerateFiles(dir.Sub("db"), "import-*"));
    }

    private static Address Address(byte last)
    {
        var bytes = new byte[20];
        bytes[19] = last;
        return new Address(bytes);
    }
}
