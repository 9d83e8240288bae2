using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// Batched reads (RocksDB MultiGet) answer exactly what one read per key answers, and prefetching a
/// block's declared keys — exact, missing or wrong — changes nothing a block commits.
/// </summary>
public class BatchedReadTests
{
    [Fact]
    public void MultiGet_answers_as_single_reads_for_present_absent_and_repeated_keys()
    {
        var workload = Workload(blocks: 4, kind: WorkloadKind.Mixed, seed: 5);
        using var dir = new TempDir();
        using (var rocks = OpenRocks(dir.Sub("db")))
        {
            var chain = Create(rocks, workload);
            Run(chain, workload, 0, 2); // the reopen below flushes these to a table file
        }
        using var store = OpenRocks(dir.Sub("db"), create: false);
        var chainAgain = ChainState.Open(store);
        Run(chainAgain, workload, 2, 4); // and these stay in the memtable

        var random = new Random(3);
        var keys = store.Entries().Select(e => e.Key).ToList();
        for (int i = 0; i < 300; i++)
        {
            var address = new byte[Address.Size];
            random.NextBytes(address);
            keys.Add(i % 3 == 0 ? StateKey.Storage(new Address(address), (ulong)i) : StateKey.Balance(new Address(address)));
        }
        keys.AddRange(keys.Take(50)); // repeated keys
        var shuffled = keys.ToArray();
        random.Shuffle(shuffled);
        Assert.True(shuffled.Length > 600, "several MultiGet batches");

        // Shuffled, and in key order as a block's prefetch hands them over (no sort of its own then).
        var inOrder = (StateKey[])shuffled.Clone();
        Array.Sort(inOrder);
        foreach (var asked in new[] { shuffled, inOrder })
        {
            var values = new UInt256[asked.Length];
            var found = new bool[asked.Length];
            store.TryGetMany(asked, values, found);
            for (int i = 0; i < asked.Length; i++)
            {
                bool single = store.TryGet(asked[i], out var value);
                Assert.Equal(single, found[i]);
                Assert.Equal(value, values[i]);
            }
            Assert.Contains(false, found);
            Assert.Contains(true, found);
        }
    }

    [Fact]
    public void An_overlay_answers_its_changes_and_batches_the_rest()
    {
        var committed = new InMemoryState();
        var a = new Address(Enumerable.Repeat((byte)1, Address.Size).ToArray());
        var b = new Address(Enumerable.Repeat((byte)2, Address.Size).ToArray());
        committed.Set(StateKey.Balance(a), 10);
        committed.Set(StateKey.Balance(b), 20);
        committed.Set(StateKey.Nonce(b), 3);
        var overlay = new OverlayStateReader(committed, [new StateChange(StateKey.Balance(b), 21), new StateChange(StateKey.Nonce(a), 1)]);
        StateKey[] keys = [StateKey.Balance(a), StateKey.Balance(b), StateKey.Nonce(a), StateKey.Nonce(b), StateKey.CodeHash(a)];
        var values = new UInt256[keys.Length];
        var found = new bool[keys.Length];
        overlay.TryGetMany(keys, values, found);
        Assert.Equal([true, true, true, true, false], found);
        Assert.Equal([(UInt256)10, (UInt256)21, (UInt256)1, (UInt256)3, default], values);
    }

    [Fact]
    public void A_recording_reader_answers_what_it_saw_and_batches_the_rest_once()
    {
        var a = new Address(Enumerable.Repeat((byte)1, Address.Size).ToArray());
        var b = new Address(Enumerable.Repeat((byte)2, Address.Size).ToArray());
        var committed = new InMemoryStateStore();
        committed.Initialize([new(StateKey.Balance(a), 10), new(StateKey.Balance(b), 20), new(StateKey.Nonce(b), 0)], new StoredBlock(0, default, default));
        var store = new FaultyStore(committed);
        var recorder = new RecordingStateReader(store);
        Assert.True(recorder.TryGet(StateKey.Balance(a), out _));
        StateKey[] keys = [StateKey.Balance(a), StateKey.Balance(b), StateKey.Nonce(b), StateKey.CodeHash(a)];
        var values = new UInt256[keys.Length];
        var found = new bool[keys.Length];

        recorder.TryGetMany(keys, values, found);

        Assert.Equal(3, store.BatchedKeys); // the key read before came from memory
        Assert.Equal([true, true, true, false], found);
        Assert.Equal([(UInt256)10, (UInt256)20, default, default], values);
        recorder.TryGetMany(keys, values, found);
        Assert.Equal(3, store.BatchedKeys); // all seen now
        Assert.Equal([true, true, true, false], found);
        Assert.Equal(4, recorder.Seen.Count);
        Assert.Equal((false, UInt256.Zero), recorder.Seen[StateKey.CodeHash(a)]);
    }

    [Fact]
    public void A_recording_reader_read_by_many_threads_keeps_one_value_per_key_and_forgets_them_when_reused()
    {
        var committed = new InMemoryState();
        var keys = new StateKey[4000];
        for (int i = 0; i < keys.Length; i++)
        {
            var address = Address.FromNumber((ulong)i / 2);
            keys[i] = i % 2 == 0 ? StateKey.Balance(address) : StateKey.Storage(address, (ulong)i);
            if (i % 3 != 0) committed.Set(keys[i], new UInt256((ulong)i + 1));
        }
        var recorder = new RecordingStateReader(committed, 100); // grows while eight threads read
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            var random = new Random(t);
            for (int n = 0; n < 6000; n++)
            {
                int i = random.Next(keys.Length);
                bool found = recorder.TryGet(keys[i], out var value);
                Assert.Equal(i % 3 != 0, found);
                Assert.Equal(found ? new UInt256((ulong)i + 1) : default, value);
            }
            recorder.Prefetch(keys.AsSpan(t * 500, 500));
        });
        Assert.Equal(keys.Length, recorder.Seen.Count);
        Assert.Equal(keys.Length, recorder.Seen.Count()); // enumerated: each key once
        foreach (var (key, (existed, value)) in recorder.Seen)
        {
            int i = Array.IndexOf(keys, key);
            Assert.Equal(i % 3 != 0, existed);
            Assert.Equal(existed ? new UInt256((ulong)i + 1) : default, value);
        }

        var other = new InMemoryState();
        other.Set(keys[0], new UInt256(7));
        recorder.Reuse(other, 10);
        Assert.Empty(recorder.Seen);
        Assert.False(recorder.Seen.ContainsKey(keys[1]));
        Assert.True(recorder.TryGet(keys[0], out var again) && again == new UInt256(7));
        Assert.False(recorder.TryGet(keys[1], out _)); // read through to the new state, not remembered from before
        Assert.Equal(2, recorder.Seen.Count);
        Assert.Throws<KeyNotFoundException>(() => recorder.Seen[keys[2]]);
    }

    [Theory]
    [InlineData(HintMode.Exact, 1, true)]
    [InlineData(HintMode.Exact, 2, false)]
    [InlineData(HintMode.Unreliable, 2, true)]
    [InlineData(HintMode.Unreliable, 4, false)]
    public void Prefetching_declared_keys_changes_no_root_value_or_journal(HintMode hints, int workers, bool overlap)
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = WorkloadKind.Mixed, Accounts = 60, TransactionsPerBlock = 80, Blocks = 10, Seed = 17, Pools = 2, Hints = hints,
        });
        Assert.Contains(workload.Blocks[0].Transactions, tx => tx.Hints is not null);
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        using var memory = new InMemoryStateStore(journalRetention: 4);
        using var rocks = OpenRocks(dir.Sub("db"), retention: 4);
        Assert.True(rocks.BatchedReads);
        Assert.False(((IStateStore)memory).BatchedReads);
        var reference = Create(memory, workload);
        var prefetched = Create(rocks, workload);
        Run(reference, workload, 0, workload.Blocks.Length);
        using var parallel = workers == 1 ? null : new ParallelExecutor(workers);
        IBlockExecutor executor = parallel is null ? new SequentialExecutor() : parallel;
        var roots = new List<Hash256>();
        Assert.Null(new ChainPipeline(prefetched, executor, overlap).Run(PipelineBlocks(workload), c => roots.Add(c.Block.StateRoot)));
        Assert.Equal(expected[1..], roots);
        Assert.Equal(Sorted(memory), Sorted(rocks));

        // The undo journal took its previous values from the prefetched reads: reverting must land
        // exactly on the earlier state.
        Assert.Equal(expected[^5], memory.Revert(4).StateRoot);
        Assert.Equal(expected[^5], prefetched.Revert(4).StateRoot);
        Assert.Equal(Sorted(memory), Sorted(rocks));
    }

    private static IEnumerable<PipelineBlock> PipelineBlocks(Workload workload) =>
        workload.Blocks.Select(block => new PipelineBlock(block, HashOf(block)));

    private static List<KeyValuePair<StateKey, UInt256>> Sorted(IStateStore store) => store.Entries().OrderBy(e => e.Key).ToList();
}
