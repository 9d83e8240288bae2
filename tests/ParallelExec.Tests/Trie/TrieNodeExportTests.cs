using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

public class TrieNodeExportTests
{
    [Fact]
    public void A_node_set_gives_back_every_node_across_chunks_and_after_a_clear()
    {
        var random = new Random(5);
        var set = new TrieNodeSet(4);
        for (int round = 0; round < 2; round++)
        {
            var expected = new List<(Hash256, byte[])>();
            // About 3 MiB in nodes of 1..600 bytes, plus one node larger than a chunk.
            for (int i = 0; i < 10_000; i++)
            {
                var rlp = new byte[i == 4_321 ? (1 << 20) + 17 : random.Next(1, 600)];
                random.NextBytes(rlp);
                var hash = Keccak256.Compute(rlp);
                set.Add(hash, rlp);
                expected.Add((hash, rlp));
            }
            Assert.Equal(expected.Count, set.Count);
            Assert.Equal(expected.Sum(e => (long)e.Item2.Length), set.ByteCount);
            int index = 0;
            foreach (var record in set)
            {
                Assert.Equal(expected[index].Item1, record.Hash);
                Assert.True(record.Rlp.Span.SequenceEqual(expected[index].Item2), $"round {round}, node {index}");
                Assert.Equal(record, set[index]);
                index++;
            }
            Assert.Equal(expected.Count, index);
            set.Clear();
            Assert.Empty(set);
            Assert.Equal(0, set.ByteCount);
        }
    }

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Nodes_exported_block_by_block_hold_every_node_of_the_current_trie(int seed)
    {
        var random = new Random(seed);
        var flat = new InMemoryState();
        flat.Apply(StateTrieTests.RandomChanges(random, accounts: 1500, changes: 4000));
        var trie = StateTrie.FromState(flat.Entries);
        var stored = new Dictionary<Hash256, byte[]>();
        foreach (var node in trie.ExportAllNodes()) stored[node.Hash] = node.Rlp.ToArray();
        var set = new TrieNodeSet();
        for (int block = 0; block < 6; block++)
        {
            var changes = StateTrieTests.RandomChanges(random, accounts: 2000, changes: random.Next(1, 500));
            trie.Apply(changes.ToArray());
            set.Clear();
            var root = trie.ComputeRoot(block % 2 + 1, set);
            foreach (var node in set)
            {
                Assert.True(node.Hash == Keccak256.Compute(node.Rlp.Span), $"seed {seed}, block {block}: a node's hash is not the hash of its RLP");
                stored[node.Hash] = node.Rlp.ToArray();
            }
            Assert.True(stored.ContainsKey(root), $"seed {seed}, block {block}: the root node was not exported");
            int count = 0;
            foreach (var node in trie.ExportAllNodes())
            {
                Assert.True(stored.TryGetValue(node.Hash, out var rlp) && node.Rlp.Span.SequenceEqual(rlp),
                    $"seed {seed}, block {block}: node {node.Hash} of the current trie was never exported");
                count++;
            }
            Assert.True(count > 100, $"seed {seed}: only {count} nodes");
        }
    }
}
