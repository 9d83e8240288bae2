using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Transactions;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

public class RevertTests
{
    private const int Blocks = 14;
    private const int Retention = 6;

    public static TheoryData<bool> Stores => new() { true, false };

    private static IStateStore NewStore(bool rocks, TempDir dir) =>
        rocks ? OpenRocks(dir.Sub("db"), retention: Retention) : new InMemoryStateStore(Retention);

    [Theory]
    [MemberData(nameof(Stores))]
    public void Reverting_1_to_K_blocks_gives_the_earlier_roots_and_replaying_them_again_gives_the_same_roots(bool rocks)
    {
        var workload = Workload(blocks: Blocks, kind: WorkloadKind.Mixed, seed: 21);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        Run(chain, workload, 0, Blocks);
        Assert.Equal(Retention, store.RevertibleBlocks);
        for (int k = 1; k <= Retention; k++)
        {
            var head = chain.Revert(k);
            Assert.False(chain.LastRevertRebuiltTrie); // both stores list their journals: the trie is updated, not rebuilt
            Assert.Equal(Blocks - k, head.Number);
            Assert.Equal(expected[Blocks - k], head.StateRoot);
            Assert.Equal(expected[Blocks - k], store.Head.StateRoot);
            // The revert wrote the nodes it changed and deleted the places it vacated (accounts the
            // undone blocks created leave the trie): the stored trie is exactly the earlier block's.
            AssertHeadTrieStored(store, $"reverted {k}");
            Assert.False(store.TryGetBlock(Blocks - k + 1, out _));
            var roots = Run(chain, workload, Blocks - k, Blocks);
            Assert.Equal(expected[(Blocks - k + 1)..], roots);
            Assert.Equal(Retention, store.RevertibleBlocks);
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void Reverting_in_steps_walks_back_through_the_roots(bool rocks)
    {
        var workload = Workload(blocks: Blocks, seed: 4);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        Run(chain, workload, 0, Blocks);
        for (int n = Blocks - 1; n >= Blocks - Retention; n--)
        {
            Assert.Equal(expected[n], chain.Revert(1).StateRoot);
            Assert.False(chain.LastRevertRebuiltTrie);
        }
        Assert.Equal(0, store.RevertibleBlocks);
        var error = Assert.Throws<StateStoreException>(() => chain.Revert(1));
        Assert.Equal(StateStoreError.Mismatch, error.Error);
        Assert.Equal(expected[Blocks - Retention], store.Head.StateRoot);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_revert_beyond_the_journal_is_refused_and_changes_nothing(bool rocks)
    {
        var workload = Workload(blocks: Blocks, seed: 9);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        Run(chain, workload, 0, Blocks);
        var error = Assert.Throws<StateStoreException>(() => chain.Revert(Retention + 1));
        Assert.Equal(StateStoreError.Mismatch, error.Error);
        Assert.Contains("undo journal", error.Message);
        Assert.Equal(expected[Blocks], store.Head.StateRoot);
        Assert.Equal(expected[Blocks - Retention], chain.Revert(Retention).StateRoot);
    }

    /// <summary>
    /// A block that creates an account (a transfer to a new address) is undone by updates: the account's
    /// fields become absent again, so it leaves the account trie (a change can only set a field).
    /// </summary>
    [Fact]
    public void Reverting_a_block_that_created_an_account_removes_it_from_the_trie()
    {
        var workload = Workload(blocks: 2, kind: WorkloadKind.P2p, seed: 12, accounts: 30);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        using var store = OpenRocks(dir.Sub("db"), retention: Retention);
        var chain = Create(store, workload, new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 2 });
        Run(chain, workload, 0, 2);
        var sender = WorkloadGenerator.Account(0);
        var fresh = Address.FromNumber(999, tag: 0x7F);
        Assert.False(store.TryGet(StateKey.Balance(fresh), out _));
        store.TryGet(StateKey.Nonce(sender), out var nonce);
        var block = new Block(new BlockHeader(3, WorkloadGenerator.Beneficiary), [new ValueTransfer(sender, nonce.U0, 0, fresh, new UInt256(5))]);
        var committed = chain.Execute(block, HashOf(block), new SequentialExecutor());
        Assert.True(committed.Committed);
        Assert.True(store.TryGet(StateKey.Balance(fresh), out _));
        Assert.True(chain.GetProof(fresh, []).Exists);

        var head = chain.Revert(1);
        Assert.False(chain.LastRevertRebuiltTrie);
        Assert.Equal(expected[2], head.StateRoot);
        Assert.False(chain.GetProof(fresh, []).Exists);
        Assert.Equal(expected[2], ChainState.Open(store).Head.StateRoot);
    }

    [Fact]
    public void A_revert_survives_reopening_and_the_pruned_journal_stays_pruned()
    {
        var workload = Workload(blocks: Blocks, seed: 30);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var path = dir.Sub("db");
        using (var store = OpenRocks(path, retention: Retention))
        {
            var chain = Create(store, workload);
            Run(chain, workload, 0, Blocks);
            chain.Revert(2);
        }
        using (var store = OpenRocks(path, retention: Retention, create: false))
        {
            Assert.Equal(expected[Blocks - 2], store.Head.StateRoot);
            Assert.Equal(Retention - 2, store.RevertibleBlocks);
            var chain = ChainState.Open(store);
            Assert.Equal(expected[Blocks - 4], chain.Revert(2).StateRoot);
        }
        // A smaller retention prunes the older journals with the next commit.
        using (var store = OpenRocks(path, retention: 1, create: false))
        {
            var chain = ChainState.Open(store);
            Run(chain, workload, Blocks - 4, Blocks - 3);
            Assert.Equal(1, store.RevertibleBlocks);
        }
    }
}
