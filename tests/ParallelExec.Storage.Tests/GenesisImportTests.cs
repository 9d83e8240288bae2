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
    public void An_imported_genesis_has_the_in_memory_root_and_stores_its_whole_trie(WorkloadKind kind, int accounts, int runEntries)
    {
        var workload = Workload(blocks: 4, accounts: accounts, kind: kind);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        foreach (var store in new IStateStore[] { new InMemoryStateStore(), OpenRocks(dir.Sub("db")) })
        {
            using (store)
            {
                var chain = ChainState.Import(store, workload.Genesis.Entries.OrderBy(e => e.Key), dir.Sub("scratch"), options: EveryBlock, runEntries: runEntries);
                Assert.Equal(expected[0], store.Genesis.StateRoot);
                AssertHeadTrieStored(store, $"{store.Location}, imported");
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

    private static Address Address(byte last)
    {
        var bytes = new byte[20];
        bytes[19] = last;
        return new Address(bytes);
    }
}
