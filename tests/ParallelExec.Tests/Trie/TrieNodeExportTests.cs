using ParallelExec.Crypto;
using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

public class TrieNodeExportTests
{
    [Fact]
    public void A_cleared_node_set_keeps_its_first_chunk_for_reuse_and_gives_a_checkpoints_back()
    {
        using var set = new TrieNodeSet();
        var rlp = new byte[500];
        void Fill(long bytes)
        {
            for (long added = 0; added < bytes; added += rlp.Length) set.Add(default, rlp, [], [1, 2, 3]);
        }
        Fill(512L << 10); // a pooled hashing queue's share of a block
        long firstChunk = set.ChunkBytes;
        Assert.Equal(1L << 20, firstChunk);
        set.Clear();
        Fill(512L << 10);
        Assert.Equal(firstChunk, set.ChunkBytes); // reused, nothing allocated
        set.Clear();
        Fill(200L << 20); // a checkpoint's over a large state
        Assert.True(set.ChunkBytes >= 200L << 20);
        var last = set[set.Count - 1];
        set.Clear();
        Assert.Empty(set);
        Assert.Equal(firstChunk, set.ChunkBytes); // the rest went back to the system
        Assert.Throws<ObjectDisposedException>(() => last.Rlp.Span.Length); // a record of a freed chunk fails loudly
        Fill(8L << 20);
        Assert.Equal((8L << 20) / rlp.Length + 1, set.Count); // still a working set
        Assert.True(set[set.Count - 1].Rlp.Span.SequenceEqual(rlp));
        set.Dispose();
        Assert.Equal(0, set.ChunkBytes);
    }

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

    [Fact]
    public void A_node_set_moved_into_another_hands_over_its_large_chunks_and_every_node_in_order()
    {
        var random = new Random(7);
        using var into = new TrieNodeSet(4);
        using var from = new TrieNodeSet(4);
        var expected = new List<(Hash256 Hash, byte[] Rlp, byte[] Owner, byte[] Path)>();
        void Fill(TrieNodeSet set, long bytes, bool remember)
        {
            for (long added = 0; added < bytes;)
            {
                var rlp = new byte[random.Next(1, 700)];
                random.NextBytes(rlp);
                byte[] owner = random.Next(2) == 0 ? [] : Keccak256.Compute(rlp).ToArray(), path = [(byte)random.Next(16), (byte)random.Next(16)];
                var hash = Keccak256.Compute(rlp);
                set.Add(hash, rlp, owner, path);
                if (remember) expected.Add((hash, rlp, owner, path));
                added += rlp.Length;
            }
        }
        Fill(into, 300L << 10, remember: true);
        for (int round = 0; round < 3; round++)
        {
            // Past the first chunk (a thread's share of a checkpoint), then within it (a small storage trie's).
            Fill(from, round == 2 ? 200L << 10 : 5L << 20, remember: true);
            long intoChunks = into.ChunkBytes, fromChunks = from.ChunkBytes;
            into.MoveFrom(from);
            Assert.Empty(from);
            Assert.Equal(0, from.ByteCount);
            Assert.Equal(1L << 20, from.ChunkBytes); // its first chunk stays, for the next item
            if (round < 2) Assert.True(into.ChunkBytes >= intoChunks + fromChunks - (1L << 20), $"round {round}: the large chunks were not handed over");
            else Assert.Equal(intoChunks, into.ChunkBytes); // all in the first chunk: copied into room this set had
        }
        Assert.Equal(expected.Count, into.Count);
        Assert.Equal(expected.Sum(e => (long)e.Rlp.Length), into.ByteCount);
        for (int i = 0; i < expected.Count; i++)
        {
            var record = into[i];
            Assert.True(record.Hash == expected[i].Hash && record.Rlp.Span.SequenceEqual(expected[i].Rlp)
                && record.Owner.Span.SequenceEqual(expected[i].Owner) && record.Path.Span.SequenceEqual(expected[i].Path), $"node {i}");
        }
        // Still a working set after its chunks were moved: filled again and moved again.
        Fill(from, 2L << 20, remember: true);
        into.MoveFrom(from);
        Assert.True(into[^1].Rlp.Span.SequenceEqual(expected[^1].Rlp));
        Fill(into, 70L << 20, remember: false); // this set's own chunks follow those it took over
        for (int i = 0; i < expected.Count; i++) Assert.True(into[i].Rlp.Span.SequenceEqual(expected[i].Rlp), $"node {i} after more were added");
        into.Clear();
        Assert.Equal(1L << 20, into.ChunkBytes); // the chunks taken over went back with the rest
        Assert.Throws<ArgumentException>(() => into.MoveFrom(into));
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

    [Theory]
    [MemberData(nameof(StateTrieTests.Seeds), MemberType = typeof(StateTrieTests))]
    public void Nodes_handed_over_by_the_hashing_are_those_the_walk_exported(int seed)
    {
        // Two equal tries take the same blocks: one exports the nodes its hashing hands over, the other
        // collects its dirty nodes before hashing and encodes them after (the export as it was before).
        // Blocks vary in size so that every path runs: serial and parallel hashing, storage tries hashed
        // on one thread or several, account subtries hashed while their keys are set, on one or several.
        var random = new Random(seed);
        var flat = new InMemoryState();
        flat.Apply(StateTrieTests.RandomChanges(random, accounts: 3000, changes: 8000));
        var handedOver = StateTrie.FromState(flat.Entries);
        var walked = StateTrie.FromState(flat.Entries);
        var exported = new TrieNodeSet();
        var reference = new TrieNodeSet();
        int total = 0;
        for (int block = 0; block < 8; block++)
        {
            int size = block switch { 0 => 1, 1 => 3, 2 or 5 => 6000, _ => random.Next(1, 800) };
            var changes = StateTrieTests.RandomChanges(random, accounts: 8000, changes: size).ToArray();
            int dop = block % 3 + 1;
            handedOver.Apply(changes);
            walked.Apply(changes);
            exported.Clear();
            reference.Clear();
            var root = handedOver.ComputeRoot(dop, exported);
            Assert.Equal(walked.ComputeRootExportingByWalk(dop, reference), root);
            Assert.Equal(Sorted(reference), Sorted(exported));
            total += exported.Count;
        }
        Assert.True(total > 1000, $"seed {seed}: only {total} nodes exported");
        // No change: nothing hashed, nothing exported.
        exported.Clear();
        handedOver.ComputeRoot(2, exported);
        Assert.Empty(exported);
    }

    private static List<string> Sorted(TrieNodeSet nodes) =>
        nodes.Select(n => TrieNodeStore.PlaceKey(n.Owner.Span, n.Path.Span) + ":" + n.Hash + ":" + Convert.ToHexString(n.Rlp.Span)).Order(StringComparer.Ordinal).ToList();
}
