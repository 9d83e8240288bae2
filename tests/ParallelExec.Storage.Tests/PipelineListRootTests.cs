using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.PipelineTests;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <see cref="ChainPipeline.RootFromAccessList"/>: a block's access list is hashed into the trie while
/// the block executes. Recorded lists give the roots sequential execution gives, and the pipeline
/// without lists gives, with the work done beside execution standing (<see cref="ListRootOutcome.Used"/>);
/// a wrong list (lenient) gives the right root with that work taken back out of the trie
/// (<see cref="ListRootOutcome.Discarded"/>), and the store's trie, checkpoints included, is the
/// block's own; a wrong list (strict) fails its block and leaves no trace in the trie.
/// </summary>
public class PipelineListRootTests
{
    public static TheoryData<bool, bool, WorkloadKind, int> Chains()
    {
        var data = new TheoryData<bool, bool, WorkloadKind, int>();
        int random = Environment.TickCount & 0x7fffffff;
        foreach (bool rocks in new[] { false, true })
        {
            foreach (var kind in Enum.GetValues<WorkloadKind>()) data.Add(rocks, true, kind, random + (int)kind);
        }
        // One block at a time: the list is hashed on a thread of its own beside the execution.
        data.Add(false, false, WorkloadKind.Mixed, random);
        data.Add(true, false, WorkloadKind.Token, random);
        return data;
    }

    /// <summary>Each block's list, recorded by executing the workload sequentially from its genesis.</summary>
    private static BlockAccessList[] RecordLists(Workload workload)
    {
        var state = workload.Genesis.Clone();
        var sequential = new SequentialExecutor();
        var lists = new BlockAccessList[workload.Blocks.Length];
        for (int i = 0; i < lists.Length; i++)
        {
            var result = sequential.Execute(workload.Blocks[i], state, new ExecutionOptions { RecordAccessList = true });
            lists[i] = result.AccessList!;
            state.Apply(result.Changes);
        }
        return lists;
    }

    /// <summary>Blocks [from, to) handed over with their lists as received: RLP and the header's hash.</summary>
    private static IEnumerable<PipelineBlock> WithLists(Workload workload, BlockAccessList[] lists, int from, int to, AccessListMode mode)
    {
        for (int i = from; i < to; i++)
        {
            var block = workload.Blocks[i];
            var input = AccessListInput.FromRlp(lists[i].Encode(), lists[i].ComputeHash(), mode);
            yield return new PipelineBlock(block, HashOf(block), new ExecutionOptions { AccessList = input });
        }
    }

    private static ChainStateOptions Interval(int blocks) => new() { RootParallelism = 2, TrieNodeInterval = blocks };

    [Theory]
    [MemberData(nameof(Chains))]
    public void Recorded_lists_give_the_sequential_roots_with_the_root_computed_beside_execution(bool rocks, bool overlap, WorkloadKind kind, int seed)
    {
        const int blocks = 10;
        var at = $"seed {seed}, {kind}, {Describe(rocks)}, overlap {overlap}";
        var workload = Workload(blocks: blocks, txs: 60, seed: (ulong)seed, kind: kind, accounts: 40);
        var expected = ReferenceRoots(workload);
        var states = ReferenceStates(workload);
        var lists = RecordLists(workload);
        using var dir = new TempDir();
        using var listed = NewStore(rocks, dir, "listed");
        using var plain = NewStore(rocks, dir, "plain");
        using var parallel = new ParallelExecutor(2);

        var listedRuns = new List<CommittedBlock>();
        var listedChain = Create(listed, workload, Interval(3));
        Assert.Null(new ChainPipeline(listedChain, parallel, overlap).Run(WithLists(workload, lists, 0, blocks, AccessListMode.Strict), listedRuns.Add));
        var plainRoots = new List<Hash256>();
        Assert.Null(new ChainPipeline(Create(plain, workload, Interval(3)), parallel).Run(PipelineTests.Blocks(workload, 0, blocks), c => plainRoots.Add(c.Block.StateRoot)));

        Assert.True(expected[1..].SequenceEqual(listedRuns.Select(c => c.Block.StateRoot)), $"{at}: the roots with lists differ from sequential's");
        Assert.True(expected[1..].SequenceEqual(plainRoots), $"{at}: the roots without lists differ from sequential's");
        foreach (var committed in listedRuns)
        {
            Assert.True(committed.Result.Stats.AccessList == AccessListOutcome.Used, $"{at}: block {committed.Block.Number} did not execute with its list");
            Assert.True(committed.ListRoot == ListRootOutcome.Used, $"{at}: block {committed.Block.Number}'s root beside execution: {committed.ListRoot}");
        }
        Assert.True(states[blocks].SequenceEqual(Sorted(listed.Entries())), $"{at}: the flat state with lists");
        // The stored trie (checkpoints every third block, journals since) opens at the head's root.
        Assert.Equal(expected[blocks], ChainState.Open(listed, Interval(3)).Head.StateRoot);
        Assert.False(ChainState.Open(listed, Interval(3)).OpenRebuiltTrie);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void With_batched_reads_the_keys_a_list_names_are_read_in_batches_before_the_block_executes(bool overlap)
    {
        const int blocks = 6;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, overlap {overlap}";
        var workload = Workload(blocks: blocks, txs: 60, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 40);
        var lists = RecordLists(workload);
        using var dir = new TempDir();
        using var rocks = OpenRocks(dir.Sub("db"), retention: Retention);
        var store = new FaultyStore(rocks) { Batched = true };
        using var parallel = new ParallelExecutor(2);
        var roots = new List<Hash256>();

        Assert.Null(new ChainPipeline(Create(store, workload, Interval(3)), parallel, overlap)
            .Run(WithLists(workload, lists, 0, blocks, AccessListMode.Strict), c => roots.Add(c.Block.StateRoot)));

        Assert.True(ReferenceRoots(workload)[1..].SequenceEqual(roots), at);
        Assert.True(ReferenceStates(workload)[blocks].SequenceEqual(Sorted(rocks.Entries())), at);
        // Every named key is read once per block at most (keys the blocks still in flight changed come from them).
        long named = lists.Sum(l => l.Accounts.Sum(a => 3L + a.StorageChanges.Length + a.StorageReads.Length));
        Assert.InRange(store.BatchedKeys, 1, named);
    }

    [Fact]
    public void Turned_off_no_root_is_computed_beside_execution()
    {
        var workload = Workload(blocks: 4, seed: 3, kind: WorkloadKind.Token);
        var lists = RecordLists(workload);
        using var store = new InMemoryStateStore(Retention);
        using var parallel = new ParallelExecutor(2);
        var runs = new List<CommittedBlock>();
        var pipeline = new ChainPipeline(Create(store, workload), parallel) { RootFromAccessList = false };
        Assert.Null(pipeline.Run(WithLists(workload, lists, 0, 4, AccessListMode.Strict), runs.Add));
        Assert.Equal(ReferenceRoots(workload)[1..], runs.Select(c => c.Block.StateRoot));
        Assert.All(runs, c => Assert.Equal(ListRootOutcome.None, c.ListRoot));
        Assert.All(runs, c => Assert.Equal(AccessListOutcome.Used, c.Result.Stats.AccessList));
    }

    /// <summary>Ways to make a block's recorded list wrong, and what becomes of the root hashed from it.</summary>
    public enum Corruption
    {
        /// <summary>The last post-balance of an account is off by one: discarded.</summary>
        WrongValue,
        /// <summary>An account the block never touches, absent before, gets a balance: discarded (its fields must go again).</summary>
        ExtraAccount,
        /// <summary>A slot of an account absent before gets a value: discarded.</summary>
        ExtraSlot,
        /// <summary>A balance change the block makes is missing: the block made every listed change, so the work stands, with the missing change applied on top.</summary>
        MissingChange,
    }

    public static TheoryData<bool, bool, Corruption, int> WrongLists()
    {
        var data = new TheoryData<bool, bool, Corruption, int>();
        foreach (bool rocks in new[] { false, true })
        {
            foreach (var corruption in Enum.GetValues<Corruption>())
            {
                data.Add(rocks, true, corruption, 1);
                data.Add(rocks, true, corruption, 3);
                data.Add(rocks, false, corruption, rocks ? 1 : 3);
            }
        }
        return data;
    }

    private static BlockAccessList Corrupt(BlockAccessList list, Corruption corruption)
    {
        var accounts = list.Accounts.ToList();
        int changed = accounts.FindIndex(a => a.BalanceChanges.Length > 0);
        Assert.True(changed >= 0, "the block changes no balance");
        var account = accounts[changed];
        var fresh = Address.FromNumber(0xF00D_0000_0001UL, tag: 0x7F); // in no genesis
        switch (corruption)
        {
            case Corruption.WrongValue:
                var balances = account.BalanceChanges.ToArray();
                balances[^1] = balances[^1] with { Value = balances[^1].Value + UInt256.One };
                accounts[changed] = account with { BalanceChanges = balances };
                break;
            case Corruption.ExtraAccount:
                accounts.Add(AccountChanges.Accessed(fresh) with { BalanceChanges = [new AccessListChange(1, new UInt256(5))] });
                break;
            case Corruption.ExtraSlot:
                accounts.Add(AccountChanges.Accessed(fresh) with { StorageChanges = [new SlotChanges(new UInt256(9), [new AccessListChange(1, new UInt256(7))])] });
                break;
            case Corruption.MissingChange:
                accounts[changed] = account with { BalanceChanges = [] };
                break;
        }
        accounts.Sort((a, b) => a.Address.CompareTo(b.Address));
        return new BlockAccessList(accounts.ToArray());
    }

    [Theory]
    [MemberData(nameof(WrongLists))]
    public void A_wrong_list_in_lenient_mode_gives_the_right_root_and_the_trie_keeps_none_of_it(bool rocks, bool overlap, Corruption corruption, int interval)
    {
        const int blocks = 8, wrong = 4; // block 5: a checkpoint with either interval
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {corruption}, interval {interval}, {Describe(rocks)}, overlap {overlap}";
        var workload = Workload(blocks: blocks, txs: 50, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 30);
        var expected = ReferenceRoots(workload);
        var states = ReferenceStates(workload);
        var lists = RecordLists(workload);
        lists[wrong] = Corrupt(lists[wrong], corruption);
        lists[wrong + 1] = Corrupt(lists[wrong + 1], corruption); // and the block after: not a checkpoint with interval 3
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        using var parallel = new ParallelExecutor(2);
        var runs = new List<CommittedBlock>();

        Assert.Null(new ChainPipeline(Create(store, workload, Interval(interval)), parallel, overlap)
            .Run(WithLists(workload, lists, 0, blocks, AccessListMode.Lenient), runs.Add));

        Assert.True(expected[1..].SequenceEqual(runs.Select(c => c.Block.StateRoot)), $"{at}: the roots differ from sequential's");
        var outcome = corruption == Corruption.MissingChange ? ListRootOutcome.Used : ListRootOutcome.Discarded;
        for (int i = 0; i < blocks; i++)
        {
            bool corrupted = i == wrong || i == wrong + 1;
            Assert.True(runs[i].Result.Stats.AccessList == (corrupted ? AccessListOutcome.Dropped : AccessListOutcome.Used), $"{at}: block {i + 1}: {runs[i].Result.Stats.AccessList}");
            Assert.True(runs[i].ListRoot == (corrupted ? outcome : ListRootOutcome.Used), $"{at}: block {i + 1}'s root beside execution: {runs[i].ListRoot}");
        }
        Assert.True(states[blocks].SequenceEqual(Sorted(store.Entries())), $"{at}: the flat state");
        if (interval == 1) AssertHeadTrieStored(store, at); // every node of the head's trie, and no other
        Assert.Equal(expected[blocks], ChainState.Open(store, Interval(interval)).Head.StateRoot);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void A_wrong_list_in_strict_mode_fails_its_block_and_the_chain_goes_on_without_it(bool rocks, bool overlap)
    {
        const int blocks = 8, wrong = 4;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {Describe(rocks)}, overlap {overlap}";
        var workload = Workload(blocks: blocks, txs: 50, seed: (ulong)seed, kind: WorkloadKind.P2p, accounts: 30);
        var expected = ReferenceRoots(workload);
        var states = ReferenceStates(workload);
        var lists = RecordLists(workload);
        var right = lists[wrong];
        lists[wrong] = Corrupt(right, Corruption.ExtraAccount);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload, Interval(3));
        using var parallel = new ParallelExecutor(2);
        var committed = new List<long>();

        var error = Assert.Throws<BlockAccessListException>(() =>
            new ChainPipeline(chain, parallel, overlap).Run(WithLists(workload, lists, 0, blocks, AccessListMode.Strict), c => committed.Add(c.Block.Number)));

        Assert.Contains($"block {wrong + 1}", error.Message);
        Assert.Equal(Enumerable.Range(1, wrong).Select(n => (long)n), committed);
        Assert.True(expected[wrong] == store.Head.StateRoot, at);
        // The list's values went into the trie beside the failed execution: they must be gone now.
        lists[wrong] = right;
        var roots = new List<Hash256>();
        Assert.Null(new ChainPipeline(chain, parallel, overlap).Run(WithLists(workload, lists, wrong, blocks, AccessListMode.Strict), c => roots.Add(c.Block.StateRoot)));
        Assert.True(expected[(wrong + 1)..].SequenceEqual(roots), $"{at}: the roots after the failed block");
        Assert.True(states[blocks].SequenceEqual(Sorted(store.Entries())), at);
    }
}
