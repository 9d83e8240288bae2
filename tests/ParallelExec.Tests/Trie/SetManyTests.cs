using ParallelExec.Crypto;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// SetMany fills the root's sixteen subtries on several threads: the trie (root, count, every
/// value) must be the one that setting the same keys one by one gives.
/// </summary>
public sealed class SetManyTests
{
    private static byte[] Path(int i)
    {
        var path = new byte[32];
        Keccak256.Compute(BitConverter.GetBytes(i), path);
        return path;
    }

    [Theory]
    [InlineData(1, 5_000, 3_000)]
    [InlineData(2, 5_000, 3_000)]
    [InlineData(4, 20_000, 2_048)]
    [InlineData(16, 300, 2_500)]    // a small trie: most subtries get many new keys
    [InlineData(4, 1, 4_000)]       // the root starts as a leaf: one by one
    public void Setting_many_keys_on_several_threads_equals_setting_them_one_by_one(int threads, int existing, int changed)
    {
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var random = new Random(seed);
            var parallel = new MerklePatriciaTrie();
            var serial = new MerklePatriciaTrie();
            for (int i = 0; i < existing; i++)
            {
                var value = new byte[random.Next(1, 90)];
                random.NextBytes(value);
                parallel.Set(Path(i), value);
                serial.Set(Path(i), value);
            }
            parallel.ComputeRoot();
            serial.ComputeRoot();

            // Updates of existing keys and inserts of new ones, each key once, in random order.
            var keys = new byte[changed][];
            var values = new byte[changed * 100];
            var offsets = new int[changed];
            var lengths = new int[changed];
            var chosen = new HashSet<int>();
            for (int k = 0; k < changed; k++)
            {
                int id;
                do id = random.Next(existing + changed); while (!chosen.Add(id));
                keys[k] = Path(id);
                offsets[k] = k * 100;
                lengths[k] = random.Next(1, 100);
                random.NextBytes(values.AsSpan(offsets[k], lengths[k]));
            }
            parallel.SetMany(keys, values, offsets, lengths, changed, threads);
            for (int k = 0; k < changed; k++) serial.Set(keys[k], values.AsSpan(offsets[k], lengths[k]));

            string where = $"seed {seed}, {threads} threads, {existing} keys, {changed} set";
            Assert.True(serial.Count == parallel.Count, where);
            Assert.True(serial.ComputeRoot() == parallel.ComputeRoot(threads), where);
            for (int k = 0; k < changed; k++)
                Assert.True(parallel.Get(keys[k])!.AsSpan().SequenceEqual(values.AsSpan(offsets[k], lengths[k])), where);
        }
    }
}
