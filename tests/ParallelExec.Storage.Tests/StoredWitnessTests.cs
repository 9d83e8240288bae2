using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Stateless;
using ParallelExec.Trie;
using ParallelExec.Workloads;
using Xunit.Abstractions;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// A witness made from a state database (<see cref="ChainState.Witness"/>, <see cref="StoredChainWitness"/>)
/// is the witness made from the whole pre-state in memory, byte for byte, at every head: with the
/// stored trie at the head (a replay stopped there) and behind it (the head's trie rebuilt from a
/// checkpoint and the journals), executed by a parallel executor told to speculate first. A verifier
/// proves each, and the database is only read.
/// </summary>
public sealed class StoredWitnessTests(ITestOutputHelper output) : IDisposable
{
    private const int Blocks = 6;
    private readonly ParallelExecutor _parallel = new(4, oversubscribe: true);
    private static readonly ExecutionOptions Speculating = new() { Speculation = SpeculationMode.SpeculateFirst };

    public void Dispose() => _parallel.Dispose();

    [Theory]
    [InlineData(WorkloadKind.Mixed, 41)]
    [InlineData(WorkloadKind.P2p, 42)]
    [InlineData(WorkloadKind.Amm, 44)]
    [InlineData(WorkloadKind.Hot, 45)]
    public void A_replay_stopped_at_each_block_gives_the_next_blocks_in_memory_witness(WorkloadKind kind, ulong seed)
    {
        using var dir = new TempDir();
        var (path, workload, reference) = Chain(dir, kind, seed);
        using var store = OpenRocks(dir.Sub("db"));
        long speculated = 0;
        for (int head = 0; head < Blocks; head++)
        {
            // A replay that stops at the head (and leaves it a checkpoint).
            var report = StoredChainReplayer.Replay(path, store, new ReplayOptions { LastBlock = head, Workers = 2 });
            Assert.Equal(head, report.Head.Number);
            Assert.Equal(reference[head].PreRoot, store.Head.StateRoot);
            Assert.Equal(store.Head, store.TrieNodesAt);

            var built = StoredChainWitness.Build(path, store, head + 1, _parallel, Speculating);
            AssertSame(reference[head], built.Witness, built.PostStateRoot, workload.Blocks[head], $"head {head}");
            Assert.Equal(head + 1, built.Block.Number);
            Assert.Equal(("parallel", 4), (built.Result.Stats.Executor, built.Result.Stats.Workers));
            speculated += built.Result.Stats.Executions - built.Result.Stats.CommitterExecutions; // run by the workers, kept or stale
            Assert.Equal(head, store.Head.Number); // only read
        }
        // How much the workers ran depends on the machine: with its cores busy the committer takes every
        // transaction over (WitnessCaptureTests asserts what speculation may add to a witness, on many
        // seeds). Here the executor is asserted to be the parallel one, and what it ran is reported.
        output.WriteLine($"{kind}: {speculated} transactions run by the workers over {Blocks} blocks");
    }

    [Fact]
    public void A_head_between_checkpoints_gives_the_same_witness_from_the_live_chain_and_from_a_new_open()
    {
        using var dir = new TempDir();
        var (path, workload, reference) = Chain(dir, WorkloadKind.Token, seed: 43);
        using var store = OpenRocks(dir.Sub("db"));
        // Trie nodes every fourth block, and a budget small enough to drop what the blocks load: the
        // proofs walk into nodes the live trie does not hold.
        var chain = Create(store, workload, new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 4, TrieCacheBytes = 64 << 10 });
        bool behind = false;
        for (int head = 0; head < Blocks; head++)
        {
            var block = workload.Blocks[head];
            var live = chain.Witness(block, _parallel, Speculating);
            AssertSame(reference[head], live.Witness, null, block, $"live chain at head {head}");

            // A new open over the same store (what the CLI does) rebuilds the head's trie from the stored
            // one and the journals since; the store created without a chain file is matched by its genesis root.
            behind |= store.TrieNodesAt != store.Head;
            var built = StoredChainWitness.Build(path, store, head + 1, new SequentialExecutor());
            AssertSame(reference[head], built.Witness, built.PostStateRoot, block, $"new open at head {head}");

            Assert.True(chain.Execute(block, HashOf(block), new SequentialExecutor()).Committed);
        }
        Assert.True(behind, "the stored trie was at the head every time: the journals' path did not run");
        Assert.True(chain.Evictions > 0, "the live trie never dropped a node: its proofs never walked into the store");
    }

    [Theory]
    [InlineData(WorkloadKind.Mixed, 51, true)]
    [InlineData(WorkloadKind.Token, 52, true)]
    [InlineData(WorkloadKind.Amm, 53, false)]
    public void A_replay_that_builds_witnesses_gives_every_blocks_in_memory_witness(WorkloadKind kind, ulong seed, bool pipelined)
    {
        using var dir = new TempDir();
        var (path, _, reference) = Chain(dir, kind, seed);
        using var store = OpenRocks(dir.Sub("db"));
        var witnesses = new Dictionary<long, byte[]>();
        // Checkpoints every third block and a budget that drops what the blocks load: the proofs read
        // nodes from the store while the block before is being committed.
        var stateOptions = new ChainStateOptions { RootParallelism = 2, TrieNodeInterval = 3, TrieCacheBytes = 64 << 10 };
        var report = StoredChainReplayer.Replay(path, store, new ReplayOptions { Witnesses = true, Workers = 4, Pipeline = pipelined }, stateOptions,
            onBlock: b => witnesses.Add(b.Block.Number, WitnessCodec.Encode(b.Witness!)));
        Assert.Equal(Blocks, report.Head.Number);
        Assert.True(report.Evictions > 0, "the trie never dropped a node: the proofs never walked into the store");
        for (int head = 0; head < Blocks; head++)
            Assert.True(reference[head].Witness.AsSpan().SequenceEqual(witnesses[head + 1]), $"block {head + 1}: the replay's witness differs from the one made in memory");

        // Without the option a replay builds none.
        using var plain = OpenRocks(dir.Sub("plain"));
        StoredChainReplayer.Replay(path, plain, new ReplayOptions { Workers = 2 }, onBlock: b => Assert.Null(b.Witness));
    }

    [Fact]
    public void A_block_not_after_the_head_or_a_file_of_another_chain_is_refused_and_nothing_changes()
    {
        using var dir = new TempDir();
        var (path, workload, _) = Chain(dir, WorkloadKind.Mixed, seed: 47);
        using var store = OpenRocks(dir.Sub("db"));
        StoredChainReplayer.Replay(path, store, new ReplayOptions { LastBlock = 3, Workers = 2 });
        var head = store.Head;

        var past = Assert.Throws<ArgumentException>(() => StoredChainWitness.Build(path, store, 3, _parallel));
        Assert.Equal("the database is at block 3: block 3's witness is made from the state after block 2 (parallelexec revert --db takes the database back)", past.Message);
        var ahead = Assert.Throws<ArgumentException>(() => StoredChainWitness.Build(path, store, 6, _parallel));
        Assert.Equal("the database is at block 3: block 6's witness is made from the state after block 5 (replay --db --to 5 takes it there)", ahead.Message);

        // Another chain: another genesis, or the same genesis with an earlier block changed.
        var other = Workload(blocks: Blocks, txs: 30, seed: 48, accounts: 50);
        var otherPath = dir.Sub("other.pxb");
        ChainWriter.Write(otherPath, ChainStart.FromGenesis(other.Genesis), other.Blocks.Select(b => new ChainBlock(b)));
        var genesis = Assert.Throws<StateStoreException>(() => StoredChainWitness.Build(otherPath, store, 4, _parallel));
        Assert.Equal(StateStoreError.Mismatch, genesis.Error);
        var forkPath = dir.Sub("fork.pxb");
        ChainWriter.Write(forkPath, ChainStart.FromGenesis(workload.Genesis),
            workload.Blocks.Select(b => new ChainBlock(b.Header.Number == 2 ? new Block(b.Header, b.Transactions.Take(b.Transactions.Count - 1).ToArray()) : b)));
        var fork = Assert.Throws<StateStoreException>(() => StoredChainWitness.Build(forkPath, store, 4, _parallel));
        Assert.Equal(StateStoreError.Mismatch, fork.Error);
        Assert.Contains("block 2 of the chain file differs", fork.Message);

        Assert.Equal(head, store.Head);
        // A replay asked to stop before the head is refused too.
        var before = Assert.Throws<StateStoreException>(() => StoredChainReplayer.Replay(path, store, new ReplayOptions { LastBlock = 2, Workers = 2 }));
        Assert.Equal("the database is at block 3, past the last block to replay (2)", before.Message);
        Assert.Equal(head, store.Head);
    }

    // The chain file, its workload, and for each block the witness, pre-state root and post-state root
    // made from the whole pre-state in memory by the sequential executor.
    private static (string Path, Workload Workload, (byte[] Witness, Hash256 PreRoot, Hash256 PostRoot)[] Reference) Chain(TempDir dir, WorkloadKind kind, ulong seed)
    {
        var workload = Workload(blocks: Blocks, txs: 40, seed: seed, kind: kind, accounts: 60);
        var path = dir.Sub("chain.pxb");
        ChainWriter.Write(path, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
        var state = workload.Genesis.Clone();
        var executor = new SequentialExecutor();
        var reference = new (byte[], Hash256, Hash256)[Blocks];
        for (int i = 0; i < Blocks; i++)
        {
            var trie = StateTrie.FromState(state.Entries);
            var preRoot = trie.ComputeRoot();
            var result = executor.Execute(workload.Blocks[i], state);
            var witness = WitnessCodec.Encode(WitnessBuilder.Build(trie, i + 1, result));
            trie.Apply(result.Changes);
            reference[i] = (witness, preRoot, trie.ComputeRoot());
            state.Apply(result.Changes);
        }
        return (path, workload, reference);
    }

    private static void AssertSame((byte[] Witness, Hash256 PreRoot, Hash256 PostRoot) expected, ExecutionWitness witness, Hash256? postRoot, Block block, string at)
    {
        Assert.True(expected.Witness.AsSpan().SequenceEqual(WitnessCodec.Encode(witness)), $"{at}: the witness differs from the one made in memory");
        if (postRoot is { } root) Assert.True(root == expected.PostRoot, $"{at}: post-state root {root}, in memory {expected.PostRoot}");
        var verified = new StatelessVerifier(new SequentialExecutor()).Verify(expected.PreRoot, block, witness, expected.PostRoot);
        Assert.True(verified.IsProven, $"{at}: {verified.Message}");
    }
}
