using ParallelExec.Rlp;
using ParallelExec.State;
using ParallelExec.Testing;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Trie;

/// <summary>
/// Random operation sets checked against ethereumjs (tests/mpt-reference). Every assertion names its
/// seed; rerun one with PARALLELEXEC_TRIE_SEED=&lt;seed&gt;.
/// </summary>
/// <remarks>
/// @ethereumjs/mpt 10.x loses a branch's value when a deletion leaves that branch with the value and
/// a single child (only possible with variable-length keys, where one key is a prefix of another;
/// secure tries are unaffected): put 001200, 001200121f12, 00120000c800, then delete 001200121f12,
/// and get(001200) returns null. So plain-trie cases either use keys of one length (with deletions)
/// or variable-length, prefix-rich keys without deletions. Deletions with prefix keys are checked
/// against fresh builds in <see cref="StateTrieTests"/> and by
/// <see cref="Deleting_a_sibling_keeps_a_branch_value_that_ethereumjs_drops"/>.
/// </remarks>
public class DifferentialTrieTests
{
    private static IEnumerable<int> Seeds()
    {
        var fixedSeeds = new[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        var chosen = Environment.GetEnvironmentVariable("PARALLELEXEC_TRIE_SEED");
        if (int.TryParse(chosen, out int only)) return [only];
        // One fresh seed per run widens coverage over time; it is printed on failure.
        return fixedSeeds.Append(Environment.TickCount & 0x7fffffff);
    }

    /// <summary>Keys from a small alphabet so they share long prefixes (and, with variable length, are prefixes of each other).</summary>
    internal static byte[] PlainKey(Random random, int fixedLength)
    {
        var key = new byte[fixedLength > 0 ? fixedLength : random.Next(1, 12)];
        for (int i = 0; i < key.Length; i++) key[i] = (byte)(random.Next(4) switch { 0 => 0x00, 1 => 0x12, 2 => 0x1f, _ => random.Next(256) });
        return key;
    }

    internal static byte[] Value(Random random)
    {
        // Short values make nodes under 32 bytes (inlined); long ones exceed a hash block.
        var value = new byte[random.Next(4) == 0 ? random.Next(40, 200) : random.Next(1, 6)];
        random.NextBytes(value);
        return value;
    }

    private sealed record Run(int Seed, bool Secure, MptReference.Case Case, List<string> Ours);

    private static Run Generate(int seed, bool secure)
    {
        var random = new Random(seed);
        var reference = new MptReference.Case(secure);
        var plain = new MerklePatriciaTrie();
        var hashed = new SecureMerklePatriciaTrie();
        var keys = new List<byte[]>();
        var ours = new List<string>();
        // Plain tries: odd seeds use variable-length keys without deletions (see remarks).
        int fixedLength = secure || seed % 2 == 0 ? random.Next(1, 12) : 0;
        bool deletions = secure || fixedLength > 0;
        int operations = random.Next(50, 3000);
        for (int i = 0; i < operations; i++)
        {
            int choice = random.Next(deletions ? 10 : 8);
            if (choice < 6 || keys.Count == 0)
            {
                var key = secure ? RandomBytes(random, random.Next(2) == 0 ? 20 : 32) : PlainKey(random, fixedLength);
                var value = Value(random);
                keys.Add(key);
                reference.Put(key, value);
                if (secure) hashed.Set(key, value); else plain.Set(key, value);
            }
            else if (choice < 8)
            {
                var key = keys[random.Next(keys.Count)];
                var value = Value(random);
                reference.Put(key, value);
                if (secure) hashed.Set(key, value); else plain.Set(key, value);
            }
            else
            {
                var key = keys[random.Next(keys.Count)];
                reference.Delete(key);
                if (secure) hashed.Delete(key); else plain.Delete(key);
            }
            if (random.Next(100) == 0)
            {
                reference.Root();
                int threads = random.Next(1, 4);
                ours.Add((secure ? hashed.ComputeRoot(threads) : plain.ComputeRoot(threads)).ToString());
            }
        }
        // Finally delete a random half, so branches collapse all the way up.
        foreach (var key in keys.Where(_ => deletions && random.Next(2) == 0).ToList())
        {
            reference.Delete(key);
            if (secure) hashed.Delete(key); else plain.Delete(key);
        }
        ours.Add((secure ? hashed.ComputeRoot() : plain.ComputeRoot()).ToString());
        return new Run(seed, secure, reference, ours);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void Plain_and_secure_tries_match_ethereumjs()
    {
        var runs = Seeds().SelectMany(seed => new[] { Generate(seed, secure: false), Generate(seed, secure: true) }).ToList();
        var expected = MptReference.Run(runs.Select(r => r.Case).ToList());
        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            Assert.True(expected[i].SequenceEqual(run.Ours),
                $"seed {run.Seed} ({(run.Secure ? "secure" : "plain")} trie): roots differ from ethereumjs.\n ethereumjs: {string.Join(", ", expected[i])}\n ours:       {string.Join(", ", run.Ours)}");
        }
    }

    [Fact]
    public void Deleting_a_sibling_keeps_a_branch_value_that_ethereumjs_drops()
    {
        byte[] a = Convert.FromHexString("001200"), b = Convert.FromHexString("001200121f12"), c = Convert.FromHexString("00120000c800");
        var trie = new MerklePatriciaTrie();
        trie.Set(a, [0x7e, 0x17]);
        trie.Set(b, [0x2e]);
        trie.Set(c, [0x48]);
        trie.ComputeRoot();
        trie.Delete(b);
        Assert.Equal([0x7e, 0x17], trie.Get(a));
        var fresh = new MerklePatriciaTrie();
        fresh.Set(c, [0x48]);
        fresh.Set(a, [0x7e, 0x17]);
        Assert.Equal(fresh.ComputeRoot(), trie.ComputeRoot());
        // ethereumjs agrees on the fresh build of {a, c}.
        var reference = new MptReference.Case(secure: false);
        reference.Put(a, [0x7e, 0x17]);
        reference.Put(c, [0x48]);
        Assert.Equal(fresh.ComputeRoot().ToString(), MptReference.Run([reference])[0][^1]);
    }

    [Fact]
    public void State_trie_matches_ethereumjs_across_blocks()
    {
        foreach (int seed in Seeds().Take(4).Append(Seeds().Last()))
        {
            var random = new Random(seed);
            var flat = new InMemoryState();
            var trie = new StateTrie();
            for (int block = 0; block < 3; block++)
            {
                var changes = StateTrieTests.RandomChanges(random, accounts: 300, changes: random.Next(100, 1500));
                flat.Apply(changes);
                trie.Apply(changes.ToArray());
                var ours = trie.ComputeRoot(random.Next(1, 4));
                var theirs = ReferenceStateRoot(flat);
                Assert.True(theirs == ours.ToString(), $"seed {seed}, block {block}: state root {ours}, ethereumjs says {theirs}");
            }
        }
    }

    /// <summary>The state root by ethereumjs: storage tries first, then accounts with those roots.</summary>
    private static string ReferenceStateRoot(InMemoryState flat)
    {
        var byAccount = flat.Entries.GroupBy(e => e.Key.Address).OrderBy(g => g.Key).ToList();
        var storageCases = new List<MptReference.Case>();
        var contracts = new List<Address>();
        foreach (var group in byAccount)
        {
            var slots = group.Where(e => e.Key.Kind == StateKeyKind.Storage && !e.Value.IsZero).ToList();
            if (slots.Count == 0) continue;
            var storage = new MptReference.Case(secure: true);
            foreach (var (key, value) in slots)
            {
                var slot = new byte[32];
                key.Slot.WriteBigEndian(slot);
                var encoded = new byte[33];
                int length = RlpWriter.Write(encoded, value);
                storage.Put(slot, encoded.AsSpan(0, length));
            }
            storageCases.Add(storage);
            contracts.Add(group.Key);
        }
        var storageRoots = new Dictionary<Address, string>();
        if (storageCases.Count > 0)
        {
            var roots = MptReference.Run(storageCases);
            for (int i = 0; i < contracts.Count; i++) storageRoots[contracts[i]] = roots[i][^1];
        }

        var accounts = new MptReference.Case(secure: true);
        foreach (var group in byAccount)
        {
            bool hasFields = group.Any(e => e.Key.IsAccountField);
            if (!hasFields && !storageRoots.ContainsKey(group.Key)) continue;
            var address = group.Key;
            var storageRoot = storageRoots.TryGetValue(address, out var root) ? Hash256.Parse(root) : MerklePatriciaTrie.EmptyRoot;
            var codeWord = flat.Get(StateKey.CodeHash(address));
            var codeHash = codeWord.IsZero ? ParallelExec.Crypto.Keccak256.OfEmpty : Hash256.FromUInt256(codeWord);
            accounts.Put(address.ToArray(), RlpWriter.EncodeList(
                EncodeInteger(flat.Get(StateKey.Nonce(address))),
                EncodeInteger(flat.Get(StateKey.Balance(address))),
                RlpWriter.EncodeString(storageRoot.ToArray()),
                RlpWriter.EncodeString(codeHash.ToArray())));
        }
        return MptReference.Run([accounts])[0][^1];
    }

    private static byte[] EncodeInteger(UInt256 value)
    {
        var buffer = new byte[33];
        int length = RlpWriter.Write(buffer, value);
        return buffer[..length];
    }
}
