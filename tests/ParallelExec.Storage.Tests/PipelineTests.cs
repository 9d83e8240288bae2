using System.Collections.Concurrent;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Trie;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <see cref="ChainPipeline"/>: block N+1 executing while block N's root and commit run gives what
/// one block at a time gives (roots, heads, store contents, undo journals), stops at a rejected root,
/// and surfaces failures as the sequential path would, with the store at its last committed block.
/// Overlaps the tests depend on are forced with gates, not timing; the gates' waits are deadlock guards.
/// </summary>
public class PipelineTests
{
    internal const int Retention = 6;
    internal static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    public static TheoryData<bool, WorkloadKind, int> Chains()
    {
        var data = new TheoryData<bool, WorkloadKind, int>();
        int random = Environment.TickCount & 0x7fffffff;
        foreach (bool rocks in new[] { false, true })
        {
            data.Add(rocks, WorkloadKind.Mixed, 11);
            data.Add(rocks, WorkloadKind.Token, 3);
            data.Add(rocks, WorkloadKind.P2p, random);
        }
        return data;
    }

    public static TheoryData<bool> Stores => new() { false, true };

    internal static IStateStore NewStore(bool rocks, TempDir dir, string name = "db") =>
        rocks ? OpenRocks(dir.Sub(name), retention: Retention) : new InMemoryStateStore(Retention);

    internal static string Describe(bool rocks) => rocks ? "RocksDB" : "in memory";

    /// <summary>A seeded workload with its reference roots and flat states after each block.</summary>
    internal static (Workload Workload, Hash256[] Roots, List<KeyValuePair<StateKey, UInt256>>[] States) Reference(int blocks, ulong seed)
    {
        var workload = Workload(blocks: blocks, seed: seed);
        return (workload, ReferenceRoots(workload), ReferenceStates(workload));
    }

    /// <summary>After a stopped run, the chain goes on from <paramref name="from"/> to the reference end state.</summary>
    internal static void AssertChainGoesOn(ChainState chain, IBlockExecutor executor, Workload workload, int from, Hash256 root,
        List<KeyValuePair<StateKey, UInt256>> state)
    {
        Assert.Null(new ChainPipeline(chain, executor).Run(Blocks(workload, from, workload.Blocks.Length)));
        Assert.Equal(root, chain.Head.StateRoot);
        Assert.Equal(state, Sorted(chain.Store.Entries()));
    }

    internal static List<KeyValuePair<StateKey, UInt256>>[] ReferenceStates(Workload workload)
    {
        var state = workload.Genesis.Clone();
        var states = new List<KeyValuePair<StateKey, UInt256>>[workload.Blocks.Length + 1];
        states[0] = Sorted(state.Entries);
        var executor = new SequentialExecutor();
        for (int i = 0; i < workload.Blocks.Length; i++)
        {
            state.Apply(executor.Execute(workload.Blocks[i], state).Changes);
            states[i + 1] = Sorted(state.Entries);
        }
        return states;
    }

    internal static List<KeyValuePair<StateKey, UInt256>> Sorted(IEnumerable<KeyValuePair<StateKey, UInt256>> entries) =>
        entries.OrderBy(e => e.Key).ToList();

    /// <summary>
    /// The store, with each commit of a block before <paramref name="last"/> held until the next block has
    /// been executed (report executions to <paramref name="gate"/>): block N+1 then always runs against a
    /// store that does not hold block N yet.
    /// </summary>
    internal static FaultyStore Overlapped(IStateStore store, long last, out OverlapGate gate)
    {
        var overlap = gate = new OverlapGate();
        return new FaultyStore(store)
        {
            BeforeCommit = b =>
            {
                if (b.Number < last) Assert.True(overlap.WaitExecuted(b.Number + 1, Guard), $"block {b.Number + 1} was not executed while block {b.Number} was in flight");
            },
        };
    }

    /// <summary>Blocks [from, to) of the workload; <paramref name="reject"/> names a block whose root is refused.</summary>
    internal static IEnumerable<PipelineBlock> Blocks(Workload workload, int from, int to, long reject = -1)
    {
        for (int i = from; i < to; i++)
        {
            var block = workload.Blocks[i];
            yield return new PipelineBlock(block, HashOf(block), Accept: block.Header.Number == reject ? _ => false : null);
        }
    }

    /// <summary>The blocks, but reading the one numbered <paramref name="failAt"/> signals <paramref name="reached"/> and throws.</summary>
    internal static IEnumerable<PipelineBlock> FailingAt(IEnumerable<PipelineBlock> blocks, long failAt, ManualResetEventSlim reached)
    {
        foreach (var block in blocks)
        {
            if (block.Block.Header.Number == failAt)
            {
                reached.Set();
                throw new InjectedFaultException($"injected fault reading block {failAt}");
            }
            yield return block;
        }
    }

    [Theory]
    [MemberData(nameof(Chains))]
    public void Pipelined_and_one_block_at_a_time_runs_give_the_same_roots_heads_and_stores(bool rocks, WorkloadKind kind, int seed)
    {
        const int blocks = 14;
        var at = $"seed {seed}, {kind}, {Describe(rocks)}";
        var workload = Workload(blocks: blocks, txs: 80, seed: (ulong)seed, kind: kind, accounts: 40);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        using var innerA = NewStore(rocks, dir, "a");
        using var b = NewStore(rocks, dir, "b");
        var a = Overlapped(innerA, blocks, out var gate);
        var chainA = Create(a, workload);
        var chainB = Create(b, workload);
        using var parallel = new ParallelExecutor(2);
        var rootsA = new List<Hash256>();
        var rootsB = new List<Hash256>();
        var pipeline = new ChainPipeline(chainA, new FaultyExecutor(parallel) { Finished = gate.Executed });
        Assert.Null(pipeline.Run(Blocks(workload, 0, blocks), c => rootsA.Add(c.Block.StateRoot)));
        Assert.Null(new ChainPipeline(chainB, new SequentialExecutor(), overlap: false).Run(Blocks(workload, 0, blocks), c => rootsB.Add(c.Block.StateRoot)));

        // Past the first few blocks, each overlay reuses an earlier one's dictionary and each block's
        // recording reader is one an earlier committed block gave back.
        Assert.True(pipeline.RecycledOverlays >= blocks - 5, $"{at}: {pipeline.RecycledOverlays} overlays recycled");
        Assert.True(chainA.RecordingReadersMade <= 5, $"{at}: {chainA.RecordingReadersMade} recording readers made for {blocks} blocks");
        Assert.True(expected[1..].SequenceEqual(rootsA), $"{at}: the pipelined roots differ from the reference roots");
        Assert.True(expected[1..].SequenceEqual(rootsB), $"{at}: the one-at-a-time roots differ from the reference roots");
        Assert.True(a.Head == b.Head, $"{at}: heads {a.Head} and {b.Head}");
        Assert.True(Sorted(a.Entries()).SequenceEqual(Sorted(b.Entries())), $"{at}: the flat states differ");
        for (int n = 0; n <= blocks; n++)
        {
            Assert.True(a.TryGetBlock(n, out var recordA) && b.TryGetBlock(n, out var recordB) && recordA == recordB, $"{at}: block record {n} differs");
        }
        Assert.Equal(b.RevertibleBlocks, a.RevertibleBlocks);
        if (a.TrieNodesAt == a.Head) AssertHeadTrieStored(a, at);
        // The undo journals agree: reverting both one block at a time walks through the same states.
        for (int k = 1; k <= Retention; k++)
        {
            Assert.Equal(expected[blocks - k], chainA.Revert(1).StateRoot);
            Assert.Equal(expected[blocks - k], chainB.Revert(1).StateRoot);
            Assert.True(Sorted(a.Entries()).SequenceEqual(Sorted(b.Entries())), $"{at}: the flat states differ after reverting {k} blocks");
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void Reverts_after_a_pipelined_run_restore_each_earlier_state(bool rocks)
    {
        // Few accounts: nearly every block reads and rewrites keys the block before it changed, so the
        // journal's previous values must be the values after that block, not the store's at the time.
        const int blocks = 12;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {Describe(rocks)}";
        var workload = Workload(blocks: blocks, txs: 60, seed: (ulong)seed, kind: WorkloadKind.Mixed, accounts: 12);
        var expected = ReferenceRoots(workload);
        var states = ReferenceStates(workload);
        using var dir = new TempDir();
        using var inner = NewStore(rocks, dir);
        var store = Overlapped(inner, blocks, out var gate);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        Assert.Null(new ChainPipeline(chain, new FaultyExecutor(parallel) { Finished = gate.Executed }).Run(Blocks(workload, 0, blocks)));
        Assert.Equal(expected[blocks], store.Head.StateRoot);
        store.BeforeCommit = null;
        for (int k = 1; k <= Retention; k++)
        {
            Assert.True(expected[blocks - k] == chain.Revert(1).StateRoot, $"{at}: revert {k}");
            Assert.True(states[blocks - k].SequenceEqual(Sorted(store.Entries())), $"{at}: the flat state after reverting {k} blocks");
        }
        // And forward again, pipelined.
        Assert.Null(new ChainPipeline(chain, parallel).Run(Blocks(workload, blocks - Retention, blocks)));
        Assert.True(states[blocks].SequenceEqual(Sorted(store.Entries())), at);
        Assert.Equal(expected[blocks], store.Head.StateRoot);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_store_without_a_journal_gets_the_same_states_pipelined(bool rocks)
    {
        // No journal: execution records no previous values, and the store has nothing to revert.
        const int blocks = 8;
        var workload = Workload(blocks: blocks, txs: 60, seed: 17, kind: WorkloadKind.Mixed, accounts: 12);
        var expected = ReferenceRoots(workload);
        var states = ReferenceStates(workload);
        using var dir = new TempDir();
        using IStateStore inner = rocks ? OpenRocks(dir.Sub("db"), retention: 0) : new InMemoryStateStore(journalRetention: 0);
        var store = Overlapped(inner, blocks, out var gate);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        var roots = new List<Hash256>();
        Assert.Null(new ChainPipeline(chain, new FaultyExecutor(parallel) { Finished = gate.Executed }).Run(Blocks(workload, 0, blocks), c => roots.Add(c.Block.StateRoot)));
        Assert.Equal(expected[1..], roots);
        Assert.Equal(states[blocks], Sorted(store.Entries()));
        Assert.Equal(0, store.RevertibleBlocks);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_rejected_root_mid_chain_leaves_the_store_at_the_block_before_it(bool rocks)
    {
        const int blocks = 10, reject = 6;
        var (workload, expected, states) = Reference(blocks, 5);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        var executed = new ConcurrentQueue<long>();
        var executor = new FaultyExecutor(parallel) { Starting = executed.Enqueue };
        var committed = new List<long>();

        var rejected = new ChainPipeline(chain, executor).Run(Blocks(workload, 0, blocks, reject), c => committed.Add(c.Block.Number));

        Assert.NotNull(rejected);
        Assert.False(rejected.Committed);
        Assert.Equal(reject, rejected.Block.Number);
        Assert.Equal(expected[reject], rejected.Block.StateRoot);
        Assert.Equal(Enumerable.Range(1, reject - 1).Select(n => (long)n), committed);
        Assert.Equal(new StoredBlock(reject - 1, expected[reject - 1], HashOf(workload.Blocks[reject - 2])), store.Head);
        Assert.False(store.TryGetBlock(reject, out _));
        Assert.False(store.TryGetBlock(reject + 1, out _));
        Assert.Equal(states[reject - 1], Sorted(store.Entries()));
        // The block after the rejected one may have been executed (speculatively), none after that.
        Assert.InRange(executed.Max(), reject, reject + 1);

        // The chain goes on from the rejected block.
        AssertChainGoesOn(chain, parallel, workload, reject - 1, expected[blocks], states[blocks]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_fault_in_block_N_plus_1_while_N_is_in_flight_commits_N_and_then_surfaces(bool inExecutor)
    {
        // The contract is the sequential one: block N is finished (committed and reported) first.
        const int blocks = 9, n = 5;
        var workload = Workload(blocks: blocks, seed: 8);
        var expected = ReferenceRoots(workload);
        var states = ReferenceStates(workload);
        using var memory = new InMemoryStateStore(Retention);
        var store = new FaultyStore(memory);
        var chain = Create(store, workload);
        using var reached = new ManualResetEventSlim();
        bool overlapped = false;
        // N's commit waits until block N+1 has started (and failed), so the fault lands while N is in flight.
        store.BeforeCommit = b =>
        {
            if (b.Number == n) overlapped = reached.Wait(Guard);
        };
        var executor = new FaultyExecutor(new SequentialExecutor(), failAt: inExecutor ? n + 1 : -1)
        {
            Starting = number =>
            {
                if (number == n + 1) reached.Set();
            },
        };
        var input = inExecutor ? Blocks(workload, 0, blocks) : FailingAt(Blocks(workload, 0, blocks), n + 1, reached);
        var committed = new List<long>();

        Assert.Throws<InjectedFaultException>(() => new ChainPipeline(chain, executor).Run(input, c => committed.Add(c.Block.Number)));

        Assert.True(overlapped, "block N's commit did not wait for block N+1 (no overlap)");
        Assert.Equal(Enumerable.Range(1, n).Select(x => (long)x), committed);
        Assert.Equal(n, store.Head.Number);
        Assert.Equal(expected[n], store.Head.StateRoot);
        Assert.False(store.TryGetBlock(n + 1, out _));
        Assert.Equal(states[n], Sorted(store.Entries()));

        store.BeforeCommit = null;
        Assert.Null(new ChainPipeline(chain, new SequentialExecutor()).Run(Blocks(workload, n, blocks)));
        Assert.Equal(expected[blocks], store.Head.StateRoot);
    }

    [Fact]
    public void A_fault_in_the_block_after_a_rejected_one_is_not_raised()
    {
        // Sequentially the rejection would have stopped the run before that block ran.
        const int blocks = 8, reject = 4;
        var workload = Workload(blocks: blocks, seed: 13);
        var expected = ReferenceRoots(workload);
        using var store = new InMemoryStateStore(Retention);
        var chain = Create(store, workload);
        var executor = new FaultyExecutor(new SequentialExecutor(), failAt: reject + 1);

        var rejected = new ChainPipeline(chain, executor).Run(Blocks(workload, 0, blocks, reject));

        Assert.NotNull(rejected);
        Assert.Equal(reject, rejected.Block.Number);
        Assert.Equal(reject - 1, store.Head.Number);
        Assert.Equal(expected[reject - 1], store.Head.StateRoot);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_store_whose_commit_throws_stops_the_pipeline_with_the_store_unchanged(bool rocks)
    {
        const int blocks = 8, n = 4;
        var (workload, expected, states) = Reference(blocks, 17);
        using var dir = new TempDir();
        using var inner = NewStore(rocks, dir);
        var store = new FaultyStore(inner);
        var chain = Create(store, workload);
        store.BeforeCommit = b =>
        {
            if (b.Number == n) throw new StateStoreException(StateStoreError.IoError, "injected commit failure");
        };
        using var parallel = new ParallelExecutor(2);
        var executed = new ConcurrentQueue<long>();
        var executor = new FaultyExecutor(parallel) { Starting = executed.Enqueue };
        var committed = new List<long>();

        var error = Assert.Throws<StateStoreException>(() => new ChainPipeline(chain, executor).Run(Blocks(workload, 0, blocks), c => committed.Add(c.Block.Number)));

        Assert.Equal(StateStoreError.IoError, error.Error);
        Assert.Equal(Enumerable.Range(1, n - 1).Select(x => (long)x), committed);
        Assert.Equal(new StoredBlock(n - 1, expected[n - 1], HashOf(workload.Blocks[n - 2])), store.Head);
        Assert.False(store.TryGetBlock(n, out _));
        Assert.False(store.TryGetBlock(n + 1, out _));
        Assert.Equal(states[n - 1], Sorted(store.Entries()));
        // While block n commits, n+1 may have been hashed and n+2 executed (discarded), none after that.
        Assert.InRange(executed.Max(), n, n + 2);

        // Once the store works again the chain goes on (the trie, left ahead of the store, is rebuilt).
        store.BeforeCommit = null;
        AssertChainGoesOn(chain, parallel, workload, n - 1, expected[blocks], states[blocks]);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public void A_root_stage_that_throws_commits_the_blocks_before_it_and_then_surfaces(bool rocks)
    {
        // The accept check runs in the root stage, beside the commit of the block before: its exception
        // must wait for that commit (reported first), and the trie it leaves behind is rebuilt.
        const int blocks = 8, n = 5;
        var (workload, expected, states) = Reference(blocks, 29);
        using var dir = new TempDir();
        using var store = NewStore(rocks, dir);
        var chain = Create(store, workload);
        using var parallel = new ParallelExecutor(2);
        var committed = new List<long>();
        var failing = Blocks(workload, 0, blocks).Select(b => b.Block.Header.Number == n
            ? b with { Accept = _ => throw new InjectedFaultException("injected root-stage failure") }
            : b);

        var error = Assert.Throws<InjectedFaultException>(() => new ChainPipeline(chain, parallel).Run(failing, c => committed.Add(c.Block.Number)));

        Assert.Equal("injected root-stage failure", error.Message);
        Assert.Equal(Enumerable.Range(1, n - 1).Select(x => (long)x), committed);
        Assert.Equal(expected[n - 1], store.Head.StateRoot);
        Assert.Equal(states[n - 1], Sorted(store.Entries()));
        AssertChainGoesOn(chain, parallel, workload, n - 1, expected[blocks], states[blocks]);
    }

    [Fact]
    public void A_replay_reports_the_collections_made_while_its_blocks_ran()
    {
        const int blocks = 6;
        var workload = Workload(blocks: blocks, seed: 29);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var chainPath = dir.Sub("chain.pxb");
        ChainWriter.Write(chainPath, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select((b, i) => new ChainBlock(b, expected[i + 1])));
        using var store = OpenRocks(dir.Sub("db"), retention: Retention);
        // A full collection after each committed block: the report counts at least these, and their pauses.
        var report = StoredChainReplayer.Replay(chainPath, store, new ReplayOptions { Workers = 2, Verify = true },
            onBlock: _ => GC.Collect(2, GCCollectionMode.Forced, blocking: true));
        Assert.True(report.Success);
        Assert.Equal(blocks, report.Blocks);
        var collector = report.BlocksCollector;
        Assert.True(collector.Gen2 >= blocks, $"{collector.Gen2} full collections over {blocks} blocks");
        Assert.True(collector.Pause > TimeSpan.Zero, $"paused {collector.Pause}");
        Assert.Equal(collector, report.ToReplayReport().BlocksCollector);
    }

    [Fact]
    public void Replaying_a_chain_file_pipelined_or_not_gives_the_same_database_and_stops_at_the_same_mismatch()
    {
        const int blocks = 12, wrong = 9;
        var workload = Workload(blocks: blocks, seed: 23);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var chainPath = dir.Sub("chain.pxb");
        var recorded = workload.Blocks.Select((b, i) => new ChainBlock(b, b.Header.Number == wrong ? Hash256.FromUInt256(new UInt256(1)) : expected[i + 1]));
        ChainWriter.Write(chainPath, ChainStart.FromGenesis(workload.Genesis), recorded);

        var stores = new List<IStateStore>();
        try
        {
            foreach (bool pipeline in new[] { true, false })
            {
                var store = OpenRocks(dir.Sub(pipeline ? "pipelined" : "sequential"), retention: Retention);
                stores.Add(store);
                var options = new ReplayOptions { Workers = 2, Verify = true, Pipeline = pipeline, RootParallelism = 2 };
                var report = StoredChainReplayer.Replay(chainPath, store, options);
                Assert.Equal(pipeline, report.Pipelined);
                Assert.NotNull(report.Mismatch);
                Assert.Equal(wrong, report.Mismatch!.BlockNumber);
                Assert.Equal(expected[wrong], report.Mismatch.Actual);
                Assert.Equal(wrong - 1, report.Blocks);
                Assert.Equal(wrong - 1, report.VerifiedBlocks);
                Assert.Equal(new StoredBlock(wrong - 1, expected[wrong - 1], HashOf(workload.Blocks[wrong - 2])), report.Head);
                Assert.Equal(report.Head, store.Head);
            }
            Assert.Equal(Sorted(stores[0].Entries()), Sorted(stores[1].Entries()));
            for (int n = 0; n < wrong; n++)
            {
                Assert.True(stores[0].TryGetBlock(n, out var a) && stores[1].TryGetBlock(n, out var b) && a == b, $"block record {n}");
            }
        }
        finally
        {
            foreach (var store in stores) store.Dispose();
        }
    }

    [Fact]
    public void The_overlay_reads_the_pending_changes_first_and_a_recorder_over_it_keeps_those_values()
    {
        var a = StateKey.Balance(Address.FromNumber(1));
        var b = StateKey.Balance(Address.FromNumber(2));
        var c = StateKey.Nonce(Address.FromNumber(3));
        var d = StateKey.Nonce(Address.FromNumber(4));
        var committed = new InMemoryState();
        committed.Set(a, new UInt256(1));
        committed.Set(b, new UInt256(2));
        var overlay = new OverlayStateReader(committed, [new StateChange(a, new UInt256(10)), new StateChange(c, UInt256.Zero)]);
        Assert.Equal(2, overlay.Count);
        Assert.True(overlay.TryGet(a, out var value) && value == new UInt256(10));
        Assert.True(overlay.TryGet(b, out value) && value == new UInt256(2));
        Assert.True(overlay.TryGet(c, out value) && value.IsZero); // written as zero: exists
        Assert.False(overlay.TryGet(d, out _));

        var recorder = new RecordingStateReader(overlay);
        foreach (var key in new[] { a, b, c, d }) recorder.TryGet(key, out _);
        Assert.Equal((true, new UInt256(10)), recorder.Seen[a]);
        Assert.Equal((true, new UInt256(2)), recorder.Seen[b]);
        Assert.Equal((true, UInt256.Zero), recorder.Seen[c]);
        Assert.False(recorder.Seen[d].Existed);
    }
}
