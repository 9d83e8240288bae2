using ParallelExec.Execution;
using ParallelExec.MultiVersion;
using ParallelExec.State;

namespace ParallelExec.Tests.Execution.UnitTests;

/// <summary>
/// The committer finds committed entries by the block's key ids (what multi-version memory gives each
/// key); sequential execution by a dictionary keyed by the key. Both must commit every output alike:
/// random outputs (stale reads, reads of withdrawn speculative writes, credits that overflow, reads and
/// writes with and without ids) are committed by both, and every result, value and collection compared.
/// </summary>
public sealed class BlockOverlayKeyIdTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Committing_by_key_ids_equals_committing_by_keys(int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, 40).Select(i => Keys.Slot((ulong)i)).ToArray();
        var byKey = new BlockOverlay(4);
        var byId = new BlockOverlay(4);
        var ids = new MultiVersionMap();
        int withIds = 0, startValuesKept = 0;
        for (int block = 0; block < 4; block++)
        {
            var state = new InMemoryState();
            foreach (var key in keys)
                if (random.Next(4) > 0) state.Set(key, random.Next(4) == 0 ? UInt256.MaxValue - (ulong)random.Next(3) : (ulong)random.Next(50));
            // Small capacities: entries and id arrays grow, ids go past the pool (24 lists for 40 keys).
            ids.Reset(state, 24);
            byKey.Reset(state, 4);
            byId.Reset(state, 4, ids);
            var edgesByKey = new List<(int From, int To)>();
            var edgesById = new List<(int From, int To)>();
            string where = $"seed {seed}, block {block}";
            for (int tx = 0; tx < 400; tx++)
            {
                var output = new TxOutput();
                output.Reset();
                for (int r = random.Next(4); r > 0; r--)
                {
                    var key = keys[random.Next(keys.Length)];
                    if (output.FindRead(key) >= 0) continue;
                    byKey.TryRead(key, tx, out var current, out int source);
                    int slot = -1;
                    switch (random.Next(3))
                    {
                        case 0: // as multi-version memory serves it: an id, and the key's starting value kept
                            ids.TryRead(key, tx, out _, out _, out slot);
                            break;
                        case 1:
                            slot = ids.KeyId(key);
                            break;
                    }
                    if (slot >= 0) withIds++;
                    var value = random.Next(6) == 0 ? new UInt256((ulong)random.Next(50)) : current; // some stale
                    if (random.Next(5) == 0) source = random.Next(-1, tx + 3); // a withdrawn speculative writer
                    output.AddRead(key, value, source, slot);
                }
                for (int w = random.Next(4); w > 0; w--)
                {
                    var key = keys[random.Next(keys.Length)];
                    if (output.FindWrite(key) >= 0) continue;
                    bool credit = random.Next(2) == 0;
                    var value = random.Next(8) == 0 ? UInt256.MaxValue - (ulong)random.Next(3) : new UInt256((ulong)random.Next(50));
                    output.AddWrite(key, value, credit);
                    if (random.Next(3) > 0)
                    {
                        output.WriteAt(output.WriteCount - 1).Slot = ids.KeyId(key);
                        withIds++;
                    }
                }
                bool validate = random.Next(2) == 0;
                var expected = byKey.TryCommit(output, tx, edgesByKey, validate);
                var actual = byId.TryCommit(output, tx, edgesById, validate);
                Assert.True(expected == actual, $"{where}, tx {tx}: by key {expected}, by id {actual}");
            }
            Assert.True(byKey.CollectTouchedKeys().SequenceEqual(byId.CollectTouchedKeys()), $"{where}: touched keys differ");
            Assert.True(byKey.CollectChanges().SequenceEqual(byId.CollectChanges()), $"{where}: changes differ");
            Assert.True(byKey.CollectCreditCheckedKeys().SequenceEqual(byId.CollectCreditCheckedKeys()), $"{where}: credit-checked keys differ");
            Assert.True(edgesByKey.SequenceEqual(edgesById), $"{where}: dependency edges differ");
            foreach (var key in keys)
            {
                byKey.TryRead(key, 400, out var a, out int sa);
                byId.TryRead(key, 400, out var b, out int sb);
                Assert.True((a, sa) == (b, sb), $"{where}: {key} is {a} from {sa} by key, {b} from {sb} by id");
            }
            for (int id = 0; id < ids.KeyCount; id++) if (ids.TryGetStartValue(id, out _)) startValuesKept++;
        }
        Assert.True(withIds > 2_000, $"only {withIds} reads and writes carried an id");
        Assert.True(startValuesKept > 48, $"only {startValuesKept} starting values were kept for the committer");
    }
}
