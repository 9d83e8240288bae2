using ParallelExec.State;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// A hashed branch keeps its RLP and re-encodes from it, reading only the children marked stale.
/// A child change the mask missed would leave an old reference in the parent's RLP, so these tests
/// make few edits between roots (most children stay unmarked) and compare every root, and every
/// exported branch, with a fresh build.
/// </summary>
public class KeptBranchRlpTests
{
    public static IEnumerable<object[]> Seeds() => [[21], [22], [23], [Environment.TickCount & 0x7fffffff]];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Roots_after_a_few_random_edits_equal_a_fresh_build(int seed)
    {
        var random = new Random(seed);
        var trie = new MerklePatriciaTrie();
        var contents = new Dictionary<string, byte[]>();
        for (int round = 0; round < 300; round++)
        {
            int edits = random.Next(1, 8);
            for (int e = 0; e < edits; e++) RandomEdit(random, trie, contents);
            // Alternate thread counts and flush points: the kept RLP is written at the flush.
            Hash256 ours;
            switch (round % 3)
            {
                case 0:
                    ours = trie.ComputeRoot(1);
                    break;
                case 1:
                    ours = trie.ComputeRoot(2);
                    break;
                default:
                    if (trie.Root is { } root) TrieHasher.Compute(root, 0, new TrieHashQueue(1 + round % 5));
                    ours = trie.ComputeRoot(1);
                    break;
            }
            var fresh = new MerklePatriciaTrie();
            foreach (var (key, value) in contents) fresh.Set(Convert.FromHexString(key), value);
            Assert.True(fresh.ComputeRoot() == ours, $"seed {seed}, round {round}: incremental {ours} != fresh {fresh.ComputeRoot()}");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_kept_branch_rlp_equals_the_branch_encoded_from_its_children(int seed)
    {
        var random = new Random(seed);
        var trie = new MerklePatriciaTrie();
        var contents = new Dictionary<string, byte[]>();
        int kept = 0;
        for (int round = 0; round < 60; round++)
        {
            for (int e = random.Next(1, 30); e > 0; e--) RandomEdit(random, trie, contents);
            trie.ComputeRoot(round % 2 + 1);
            if (trie.Root is { } root) CheckKept(root, 0, seed, round, ref kept);
        }
        Assert.True(kept > 0, $"seed {seed}: no branch was long enough to keep its RLP");
    }

    /// <summary>Every branch below <paramref name="node"/>: its kept RLP is what its children encode to now.</summary>
    private static void CheckKept(TrieNode node, int depth, int seed, int round, ref int kept)
    {
        switch (node)
        {
            case ExtensionNode ext:
                CheckKept(ext.Child, depth + ext.Length, seed, round, ref kept);
                break;
            case BranchNode branch:
                foreach (var child in branch.Children)
                {
                    if (child is not null) CheckKept(child, depth + 1, seed, round, ref kept);
                }
                var expected = new byte[StateTrie.EncodedLength(branch, depth)];
                StateTrie.Encode(branch, depth, expected); // reads every child's reference
                if (expected.Length < BranchNode.MinKeptRlpLength)
                {
                    Assert.Null(branch.Rlp);
                    break;
                }
                kept++;
                Assert.NotNull(branch.Rlp);
                Assert.True(expected.AsSpan().SequenceEqual(branch.Rlp),
                    $"seed {seed}, round {round}: branch at depth {depth} keeps {Convert.ToHexString(branch.Rlp!)}, its children encode to {Convert.ToHexString(expected)}");
                break;
        }
    }

    /// <summary>A set, update or delete over short keys from a tiny alphabet: shared prefixes, branch values, embedded nodes.</summary>
    private static void RandomEdit(Random random, MerklePatriciaTrie trie, Dictionary<string, byte[]> contents)
    {
        if (random.Next(4) == 0 && contents.Count > 0)
        {
            var victim = contents.Keys.ElementAt(random.Next(contents.Count));
            Assert.True(trie.Delete(Convert.FromHexString(victim)));
            contents.Remove(victim);
            return;
        }
        var key = new byte[random.Next(1, 5)];
        for (int b = 0; b < key.Length; b++) key[b] = (byte)(random.Next(8) * 0x10 + random.Next(8));
        // Tiny values keep nodes under 32 bytes (embedded in the parent's RLP); larger ones are hashed.
        var value = new byte[random.Next(2) == 0 ? random.Next(1, 3) : random.Next(1, 60)];
        random.NextBytes(value);
        trie.Set(key, value);
        contents[Convert.ToHexString(key)] = value;
    }
}
