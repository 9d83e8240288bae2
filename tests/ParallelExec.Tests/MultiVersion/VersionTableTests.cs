using ParallelExec.MultiVersion;
using ParallelExec.State;

namespace ParallelExec.Tests.MultiVersion;

public sealed class VersionTableTests
{
    private static StateKey Key(int i) => StateKey.Storage(Address.FromNumber(9, tag: 0xC3), (ulong)i);

    [Fact]
    public void Concurrent_inserts_of_the_same_keys_give_one_list_per_key()
    {
        var table = new VersionTable();
        table.Reset(expectedKeys: 4_000);
        const int keys = 2_000, threads = 8;
        var seen = new VersionList[threads][];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            seen[t] = new VersionList[keys];
            for (int k = 0; k < keys; k++)
            {
                int key = (k * 7 + t * 13) % keys; // every thread, every key, different orders
                seen[t][key] = table.GetOrAdd(Key(key), () => new VersionList());
            }
        });
        Assert.Equal(keys, table.Count);
        for (int k = 0; k < keys; k++)
        {
            Assert.True(table.TryGet(Key(k), out var list));
            for (int t = 0; t < threads; t++) Assert.Same(list, seen[t][k]);
        }
        Assert.False(table.TryGet(Key(keys + 1), out _));
    }

    [Fact]
    public void Keys_past_a_full_table_go_to_the_overflow_and_are_found()
    {
        var table = new VersionTable();
        table.Reset(expectedKeys: 100); // 1,024 slots: the table fills until inserts probe too far, the rest overflow
        var lists = new Dictionary<int, VersionList>();
        for (int k = 0; k < 3_000; k++) lists[k] = table.GetOrAdd(Key(k), () => new VersionList());
        Assert.True(table.OverflowUsed);
        Assert.Equal(3_000, table.Count);
        for (int k = 0; k < 3_000; k++)
        {
            Assert.True(table.TryGet(Key(k), out var list), $"key {k}");
            Assert.Same(lists[k], list);
            Assert.Same(lists[k], table.GetOrAdd(Key(k), () => new VersionList()));
        }
        table.Reset(expectedKeys: 100);
        Assert.Equal(0, table.Count);
        Assert.False(table.OverflowUsed);
        Assert.False(table.TryGet(Key(5), out _));
    }

    [Fact]
    public void Concurrent_inserts_past_a_full_table_still_give_one_list_per_key()
    {
        // The table holds fewer than 1,024 keys; 8 threads add the same 3,000 in the same order, so each key is added
        // by several threads at once, also at the moment the table fills. A key in both the table and
        // the overflow would have two lists (two ids for one key in the committer). The window is a few
        // instructions wide: this guards the rule, it rarely catches a breach on 2 cores.
        const int keys = 3_000, threads = 8;
        for (int round = 0; round < 20; round++)
        {
            var table = new VersionTable();
            table.Reset(expectedKeys: 100);
            var seen = new VersionList[threads][];
            using var start = new Barrier(threads);
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                seen[t] = new VersionList[keys];
                start.SignalAndWait();
                for (int k = 0; k < keys; k++)
                {
                    seen[t][k] = table.GetOrAdd(Key(k), () => new VersionList());
                }
            });
            Assert.True(table.OverflowUsed);
            Assert.Equal(keys, table.Count);
            for (int k = 0; k < keys; k++)
            {
                Assert.True(table.TryGet(Key(k), out var list), $"round {round} key {k}");
                for (int t = 0; t < threads; t++) Assert.Same(list, seen[t][k]);
            }
        }
    }

    [Fact]
    public void A_new_block_sees_none_of_the_previous_blocks_keys_without_clearing_the_table()
    {
        var table = new VersionTable();
        VersionList? previous = null;
        for (int block = 0; block < 50; block++)
        {
            table.Reset(expectedKeys: 300); // same capacity every block: slots are reused, not cleared
            Assert.Equal(0, table.Count);
            for (int k = 0; k < 300; k++) Assert.False(table.TryGet(Key(block * 1_000 + k), out _));
            Assert.False(table.TryGet(Key(7), out _), $"block {block}: key 7 of an earlier block is still there");
            // Half the keys are new to this block, half were used by the block before (key 7 every time).
            for (int k = 0; k < 300; k++) table.GetOrAdd(Key(k % 2 == 0 ? block * 1_000 + k : k), () => new VersionList());
            var list = table.GetOrAdd(Key(7), () => new VersionList());
            Assert.NotSame(previous, list); // a fresh list for the key in every block
            previous = list;
            Assert.Equal(300, table.Count);
            for (int k = 0; k < 300; k++) Assert.True(table.TryGet(Key(k % 2 == 0 ? block * 1_000 + k : k), out _), $"block {block} key {k}");
        }
    }
}
