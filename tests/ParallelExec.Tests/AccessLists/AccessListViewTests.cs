using ParallelExec.AccessLists;
using ParallelExec.State;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.AccessLists;

/// <summary>
/// The access-list view's answer for a key with many changes (a fee recipient, a counter): before
/// each transaction the value of its last listed change below the transaction's index, and the change
/// at its own index, found by a probe and a bisection of its change indexes (a change at every index,
/// dense runs and sparse alike). Checked against a plain scan of the changes, for random index sets
/// (seeded, seed printed on failure).
/// </summary>
public sealed class AccessListViewTests
{
    [Fact]
    public void Values_before_each_transaction_match_a_scan_of_the_changes()
    {
        int seed = Environment.TickCount & 0x7fffffff;
        var random = new Random(seed);
        var view = new AccessListView();
        var state = new InMemoryState();
        for (int trial = 0; trial < 200; trial++)
        {
            int n = random.Next(10, 3000);
            var indexes = Indexes(random, n);
            var changes = indexes.Select(i => new AccessListChange(i, (UInt256)(ulong)(i * 7 + 1))).ToArray();
            var address = Address.FromNumber(9);
            var list = new BlockAccessList([new AccountChanges(address, [], [], changes, [], [])]);
            Build(view, list, state, n);
            var key = StateKey.Balance(address);
            int position = view.Position(key);
            var at = $"seed {seed}, trial {trial}: {changes.Length} changes over {n} transactions";
            for (int t = 0; t < n; t++)
            {
                // Changes at indexes 1..t were made before transaction t (whose own index is t + 1).
                int before = Array.FindLastIndex(changes, c => c.Index <= t);
                int own = Array.FindIndex(changes, c => c.Index == t + 1);
                view.TryRead(key, t, out var value, out int source);
                Assert.True((before < 0 ? UInt256.Zero : changes[before].Value) == value, $"{at}: value before transaction {t}");
                Assert.True((before < 0 ? -1 : changes[before].Index - 1) == source, $"{at}: source before transaction {t}");
                var also = view.ValueBeforeAndOwnChange(position, t, out int listed);
                Assert.True(also == value, $"{at}: value with the own change, transaction {t}");
                Assert.True(own < 0 ? listed < 0 : view.ChangeValue(listed) == changes[own].Value && view.ChangeIndex(listed) == t + 1,
                    $"{at}: own change of transaction {t}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AccessListSamples.WorkloadKinds), MemberType = typeof(AccessListSamples))]
    public void The_prefetcher_finds_every_listed_likely_key_of_a_run(WorkloadKind kind)
    {
        var (block, state) = AccessListSamples.Workload(kind, seed: 3, txs: 300, blocks: 1).Single();
        var list = AccessListSamples.Record(block, state);
        var view = new AccessListView();
        Build(view, list, state, block.Transactions.Count);

        // A run of the middle transactions, as a worker's claim: each likely key the list names is found
        // once, for every transaction but the first (it starts at once: nothing to load ahead of it).
        int first = 17, end = 250;
        long expected = 0;
        var likely = new List<StateKey>();
        for (int i = first + 1; i < end; i++)
        {
            likely.Clear();
            block.Transactions[i].AppendLikelyKeys(likely);
            expected += likely.Take(8).Count(k => view.Position(k) >= 0);
        }
        var prefetcher = new ViewPrefetcher();
        var marks = new AccessListMarks(1);
        marks.Reset(view.NamedCount);
        prefetcher.Begin(view, marks.Begin(0), block.Transactions, first, end);
        for (int i = first; i < end; i++) prefetcher.Advance(i);
        Assert.True(expected > 2 * (end - first), $"{kind}: the transactions named only {expected} listed keys");
        Assert.Equal(expected, prefetcher.Found);
    }

    // Builds the view as the executor's workers do, on one thread: every fill unit, then every partition of the key table.
    private static void Build(AccessListView view, BlockAccessList list, IStateReader state, int transactions)
    {
        view.Reset(list, state, transactions);
        var buckets = new KeyBuckets();
        var names = new StateKey[1024];
        var values = new UInt256[1024];
        var found = new bool[1024];
        var positions = new int[1024];
        for (int unit = 0; unit < view.FillUnitCount; unit++) Assert.Null(view.Fill(unit, buckets, names, positions, values, found));
        view.ReserveKeyTable([buckets]);
        for (int p = 0; p < NamedKeyTable.Partitions; p++) Assert.Equal(-1, view.InsertPartition(p, [buckets]));
    }

    // Ascending distinct indexes in 1..n, at least nine: every index of a range, dense runs with
    // gaps, or spread sparsely.
    private static ushort[] Indexes(Random random, int n)
    {
        var chosen = new SortedSet<ushort>();
        int want = random.Next(9, Math.Min(n, 600));
        if (random.Next(3) == 0)
        {
            // A change at every index of a range (a fee recipient's, when the range is the block).
            int start = random.Next(1, n - want + 2);
            for (int i = 0; i < want; i++) chosen.Add((ushort)(start + i));
            return [.. chosen];
        }
        bool dense = random.Next(2) == 0;
        int at = random.Next(1, Math.Max(2, n / 4));
        while (chosen.Count < want)
        {
            if (dense)
            {
                if (at > n) at = random.Next(1, n + 1);
                chosen.Add((ushort)at);
                at += random.Next(10) == 0 ? random.Next(2, 40) : 1;
            }
            else chosen.Add((ushort)random.Next(1, n + 1));
        }
        return [.. chosen];
    }
}
