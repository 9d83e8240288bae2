using ParallelExec.Testing;
using System.Text;
using System.Text.Json;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>The ethereum/tests TrieTests vectors, read from ../shared/vectors/ethereum-trie at test time.</summary>
public class EthereumTrieVectorTests
{
    public static TheoryData<string, string> Cases(string file)
    {
        var data = new TheoryData<string, string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Vector("ethereum-trie", file)));
        foreach (var test in doc.RootElement.EnumerateObject()) data.Add(file, test.Name);
        return data;
    }

    public static TheoryData<string, string> ListCases() => Merge(Cases("trietest.json"), Cases("trietest_secureTrie.json"));

    public static TheoryData<string, string> MapCases() => Merge(
        Cases("trieanyorder.json"), Cases("trieanyorder_secureTrie.json"), Cases("hex_encoded_securetrie_test.json"));

    private static TheoryData<string, string> Merge(params TheoryData<string, string>[] parts)
    {
        var all = new TheoryData<string, string>();
        foreach (var part in parts)
        {
            foreach (var row in part) all.Add((string)row[0], (string)row[1]);
        }
        return all;
    }

    private static JsonElement Load(string file, string test)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Vector("ethereum-trie", file)));
        return doc.RootElement.GetProperty(test).Clone();
    }

    private static byte[] Decode(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Convert.FromHexString(text[2..]) : Encoding.UTF8.GetBytes(text);

    private sealed class AnyTrie(bool secure)
    {
        private readonly MerklePatriciaTrie _plain = new();
        private readonly SecureMerklePatriciaTrie _secure = new();

        public void Set(byte[] key, byte[]? value)
        {
            if (secure)
            {
                if (value is null) _secure.Delete(key); else _secure.Set(key, value);
            }
            else
            {
                if (value is null) _plain.Delete(key); else _plain.Set(key, value);
            }
        }

        public string Root => (secure ? _secure.ComputeRoot() : _plain.ComputeRoot()).ToString();
    }

    [Theory]
    [MemberData(nameof(ListCases))]
    public void Ordered_inputs_with_deletions_give_the_expected_root(string file, string test)
    {
        var vector = Load(file, test);
        var trie = new AnyTrie(secure: file.Contains("secure", StringComparison.OrdinalIgnoreCase));
        foreach (var pair in vector.GetProperty("in").EnumerateArray())
        {
            var key = Decode(pair[0].GetString()!);
            var value = pair[1].ValueKind == JsonValueKind.Null ? null : Decode(pair[1].GetString()!);
            trie.Set(key, value);
        }
        Assert.Equal(vector.GetProperty("root").GetString(), trie.Root);
    }

    [Theory]
    [MemberData(nameof(MapCases))]
    public void Map_inputs_give_the_expected_root_in_any_order(string file, string test)
    {
        var vector = Load(file, test);
        bool secure = file.Contains("secure", StringComparison.OrdinalIgnoreCase);
        var entries = vector.GetProperty("in").EnumerateObject()
            .Select(p => (Key: Decode(p.Name), Value: Decode(p.Value.GetString()!)))
            .ToList();
        string expected = vector.GetProperty("root").GetString()!;

        var forward = new AnyTrie(secure);
        foreach (var (key, value) in entries) forward.Set(key, value);
        Assert.Equal(expected, forward.Root);

        var backward = new AnyTrie(secure);
        for (int i = entries.Count - 1; i >= 0; i--) backward.Set(entries[i].Key, entries[i].Value);
        Assert.Equal(expected, backward.Root);

        var shuffled = new AnyTrie(secure);
        foreach (var (key, value) in entries.OrderBy(_ => Random.Shared.Next())) shuffled.Set(key, value);
        Assert.Equal(expected, shuffled.Root);
    }

    [Fact]
    public void Next_and_previous_keys_match_trietestnextprev()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Vector("ethereum-trie", "trietestnextprev.json")));
        int checkedProbes = 0;
        foreach (var test in doc.RootElement.EnumerateObject())
        {
            var trie = new MerklePatriciaTrie();
            foreach (var key in test.Value.GetProperty("in").EnumerateArray())
            {
                var bytes = Decode(key.GetString()!);
                trie.Set(bytes, bytes);
            }
            foreach (var triple in test.Value.GetProperty("tests").EnumerateArray())
            {
                var probe = Decode(triple[0].GetString()!);
                string expectedPrevious = triple[1].GetString()!;
                string expectedNext = triple[2].GetString()!;
                string previous = trie.TryGetPrevious(probe, out var p) ? Encoding.UTF8.GetString(p) : "";
                string next = trie.TryGetNext(probe, out var n) ? Encoding.UTF8.GetString(n) : "";
                Assert.True(expectedPrevious == previous, $"{test.Name}: previous of '{triple[0]}' is '{previous}', expected '{expectedPrevious}'");
                Assert.True(expectedNext == next, $"{test.Name}: next of '{triple[0]}' is '{next}', expected '{expectedNext}'");
                checkedProbes++;
            }
            // Ordered iteration visits the same keys in byte order.
            var keys = test.Value.GetProperty("in").EnumerateArray().Select(k => Decode(k.GetString()!)).ToList();
            keys.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
            Assert.Equal(keys.Select(Convert.ToHexString), trie.Enumerate().Select(e => Convert.ToHexString(e.Key)));
        }
        Assert.True(checkedProbes > 0);
    }
}
