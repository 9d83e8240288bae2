using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Workloads;
using RocksDbSharp;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// Blocks without hints prefetch the keys their transactions will likely touch
/// (<see cref="ITransaction.AppendLikelyKeys"/>). A RocksDB chain replayed with that prefetch stores
/// exactly the bytes (flat state, trie nodes, block records, undo journal, head) of one replayed
/// without it, also when the likely keys are wrong, far too many, or naming them throws: they change
/// only how fast the block's reads are answered.
/// </summary>
public class LikelyKeyPrefetchTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>What a wrapped transaction names as its likely keys.</summary>
    public enum Naming { Own, Nothing, Wrong, TooMany, Throws }

    [Theory]
    [InlineData(Naming.Own, 1, false)]
    [InlineData(Naming.Own, 2, false)]
    [InlineData(Naming.Own, 2, true)]
    [InlineData(Naming.Own, 4, true)]
    [InlineData(Naming.Nothing, 2, true)]
    [InlineData(Naming.Wrong, 2, true)]
    [InlineData(Naming.Wrong, 1, false)]
    [InlineData(Naming.TooMany, 2, true)]
    [InlineData(Naming.Throws, 2, true)]
    public void Prefetching_likely_keys_stores_the_same_bytes_as_reading_one_key_at_a_time(Naming naming, int workers, bool overlap)
    {
        const int blocks = 10;
        int seed = Environment.TickCount & 0x7fffffff;
        var at = $"seed {seed}, {naming}, {workers} workers, overlap {overlap}";
        // Few accounts: blocks read keys the block before changed, so prefetched values must be the
        // values after that block (through the pipeline's overlay), not the store's at the time.
        var workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = WorkloadKind.Mixed, Accounts = 40, TransactionsPerBlock = 80, Blocks = blocks, Seed = (ulong)seed, Pools = 2, Hints = HintMode.None,
        });
        var expected = ReferenceRoots(workload);
        using var dir = new TempDir();
        var (plainRoots, plainKeys) = Replay(dir.Sub("plain"), workload, Naming.Own, batched: false, workers, overlap, seed);
        var (roots, keys) = Replay(dir.Sub("prefetched"), workload, naming, batched: true, workers, overlap, seed);

        Assert.True(expected[1..].SequenceEqual(plainRoots), $"{at}: roots without the prefetch");
        Assert.True(expected[1..].SequenceEqual(roots), $"{at}: roots with the prefetch");
        Assert.Equal(0, plainKeys);
        if (naming is Naming.Nothing or Naming.Throws) Assert.Equal(0, keys);
        else Assert.True(keys > 0, $"{at}: nothing was prefetched");
        if (naming == Naming.TooMany)
            Assert.True(keys <= (long)blocks * workload.Options.TransactionsPerBlock * ExecutionLimits.MaxLikelyKeys, $"{at}: {keys} keys prefetched");

        var plainBytes = StoredBytes(dir.Sub("plain"));
        var bytes = StoredBytes(dir.Sub("prefetched"));
        Assert.True(plainBytes.Count > 500, $"{at}: {plainBytes.Count} records"); // the live trie only: superseded nodes are overwritten or deleted
        for (int i = 0; i < Math.Min(plainBytes.Count, bytes.Count); i++)
            Assert.True(plainBytes[i] == bytes[i], $"{at}: record {i} differs: {plainBytes[i]} against {bytes[i]}");
        Assert.Equal(plainBytes.Count, bytes.Count);
    }

    /// <summary>
    /// Replays the workload into a new RocksDB database, pipelined with every commit held until the next
    /// block has executed (<paramref name="overlap"/>) or one block at a time; returns the roots and the
    /// keys read in batches.
    /// </summary>
    private static (List<Hash256> Roots, long BatchedKeys) Replay(string path, Workload workload, Naming naming, bool batched, int workers,
        bool overlap, int seed)
    {
        var gate = new OverlapGate();
        long last = workload.Blocks.Length;
        using (var rocks = OpenRocks(path, retention: 4))
        {
            var store = new FaultyStore(rocks) { Batched = batched };
            if (overlap)
                store.BeforeCommit = b =>
                {
                    if (b.Number < last) Assert.True(gate.WaitExecuted(b.Number + 1, Guard), $"block {b.Number + 1} was not executed while block {b.Number} was in flight");
                };
            var chain = Create(store, workload);
            using var parallel = workers == 1 ? null : new ParallelExecutor(workers);
            IBlockExecutor inner = parallel is null ? new SequentialExecutor() : parallel;
            var executor = new FaultyExecutor(inner) { Finished = gate.Executed };
            var random = new Random(seed);
            var roots = new List<Hash256>();
            var blocks = workload.Blocks.Select(block => new PipelineBlock(Renamed(block, naming, random), HashOf(block)));
            Assert.Null(new ChainPipeline(chain, executor, overlap).Run(blocks, c => roots.Add(c.Block.StateRoot)));
            return (roots, store.BatchedKeys);
        }
    }

    private static Block Renamed(Block block, Naming naming, Random random) => naming == Naming.Own
        ? block
        : new Block(block.Header, block.Transactions.Select(tx => (ITransaction)new RenamedTransaction(tx, naming, random.Next())).ToArray());

    /// <summary>Every record of every column family, in order, as "family key value" in hex.</summary>
    private static List<string> StoredBytes(string path)
    {
        string[] names = ["state", "trie", "blocks", "journal", "meta"];
        var families = new ColumnFamilies();
        foreach (var name in names) families.Add(name, new ColumnFamilyOptions());
        using var db = RocksDbSharp.RocksDb.OpenReadOnly(new DbOptions(), path, families, false);
        var records = new List<string>();
        foreach (var name in names)
        {
            using var it = db.NewIterator(db.GetColumnFamily(name));
            for (it.SeekToFirst(); it.Valid(); it.Next())
                records.Add($"{name} {Convert.ToHexString(it.Key())} {Convert.ToHexString(it.Value())}");
        }
        return records;
    }

    /// <summary>A transaction that executes as its inner one but names other likely keys.</summary>
    private sealed class RenamedTransaction(ITransaction inner, Naming naming, int seed) : ITransaction
    {
        public ulong GasLimit => inner.GasLimit;
        public AccessHints? Hints => inner.Hints;
        public ExecutionOutcome Execute(ITransactionContext context) => inner.Execute(context);
        public void OnFailure(ITransactionContext context, ExecutionOutcome failure) => inner.OnFailure(context, failure);

        public void AppendLikelyKeys(List<StateKey> keys)
        {
            var random = new Random(seed);
            switch (naming)
            {
                case Naming.Wrong: // other accounts' keys (present, and read or written by other transactions) and absent ones
                    for (int i = 0; i < 6; i++)
                    {
                        var account = WorkloadGenerator.Account(random.Next(60));
                        keys.Add(random.Next(2) == 0 ? StateKey.Balance(account) : StateKey.Nonce(account));
                    }
                    keys.Add(StateKey.Storage(WorkloadGenerator.Token, (ulong)random.Next()));
                    break;
                case Naming.TooMany:
                    for (int i = 0; i < 3 * ExecutionLimits.MaxLikelyKeys; i++) keys.Add(StateKey.Storage(WorkloadGenerator.Collection, (ulong)random.Next(1 << 20)));
                    inner.AppendLikelyKeys(keys); // past the bound: never taken
                    break;
                case Naming.Throws:
                    inner.AppendLikelyKeys(keys);
                    throw new InvalidOperationException("naming failed");
            }
        }
    }
}
