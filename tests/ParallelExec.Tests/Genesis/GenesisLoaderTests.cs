using ParallelExec.Testing;
using ParallelExec.Crypto;
using ParallelExec.Genesis;
using ParallelExec.State;
using ParallelExec.Tests.Trie;
using ParallelExec.Trie;

namespace ParallelExec.Tests.Genesis;

public class GenesisLoaderTests
{
    [Theory]
    [InlineData("mainnet-genesis-alloc.json", 8893, "0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544")]
    [InlineData("sepolia-genesis-alloc.json", 15, "0x5eb6e371a698b8d68f665192350ffcecbbbf322916f4b51bd79bb6887da3f494")]
    public void Real_allocations_give_the_published_state_root(string file, int accounts, string expectedRoot)
    {
        var genesis = GenesisLoader.Load(RepositoryPaths.Vector("genesis", file));
        Assert.Equal(accounts, genesis.AccountCount);
        Assert.Equal(expectedRoot, StateTrie.FromState(genesis.State.Entries).ComputeRoot().ToString());
        Assert.Equal(expectedRoot, StateTrie.FromState(genesis.State.Entries, degreeOfParallelism: 2).ComputeRoot(2).ToString());
    }

    private const string GethStyle = """
        {
          "config": { "chainId": 1337 },
          "difficulty": "0x1",
          "alloc": {
            "0x00000000000000000000000000000000000000AA": { "balance": "1000000000000000000", "nonce": "0x2", "code": "0x6001600055",
              "storage": { "0x00": "0x01", "0x0000000000000000000000000000000000000000000000000000000000000002": "0x00", "03": "ff" } },
            "bb00000000000000000000000000000000000000": { "balance": "0x0" },
            "0xCC00000000000000000000000000000000000000": { "balance": 12345, "nonce": 7 }
          }
        }
        """;

    [Fact]
    public void Geth_genesis_keeps_nonce_code_and_storage()
    {
        var genesis = GenesisLoader.Parse(GethStyle);
        var a = Address.Parse("0x00000000000000000000000000000000000000aa");
        var b = Address.Parse("0xbb00000000000000000000000000000000000000");
        var c = Address.Parse("0xcc00000000000000000000000000000000000000");
        Assert.Equal([a, b, c], genesis.Accounts);
        var state = genesis.State;
        Assert.Equal(UInt256.Parse("1000000000000000000"), state.Get(StateKey.Balance(a)));
        Assert.Equal(new UInt256(2), state.Get(StateKey.Nonce(a)));
        var code = Convert.FromHexString("6001600055");
        var codeHash = Keccak256.Compute(code);
        Assert.Equal(codeHash.ToUInt256(), state.Get(StateKey.CodeHash(a)));
        Assert.Equal(code, genesis.Code[codeHash]);
        Assert.Equal(UInt256.One, state.Get(StateKey.Storage(a, 0)));
        Assert.Equal(new UInt256(0xff), state.Get(StateKey.Storage(a, 3)));
        Assert.False(state.TryGet(StateKey.Storage(a, 2), out _)); // zero slots are absent

        // Zero-balance account still exists: all three fields present.
        Assert.True(state.TryGet(StateKey.Balance(b), out var zero) && zero.IsZero);
        Assert.True(state.TryGet(StateKey.Nonce(b), out _));
        Assert.True(state.TryGet(StateKey.CodeHash(b), out _));
        Assert.Equal(new UInt256(12345), state.Get(StateKey.Balance(c)));
        Assert.Equal(new UInt256(7), state.Get(StateKey.Nonce(c)));

        // Root: built independently from the account definition.
        var storage = new SecureMerklePatriciaTrie();
        storage.Set(new byte[32], [0x01]);
        var slot3 = new byte[32];
        slot3[31] = 3;
        storage.Set(slot3, [0x81, 0xff]);
        var accounts = new SecureMerklePatriciaTrie();
        accounts.Set(a.ToArray(), AccountRlp(2, UInt256.Parse("1000000000000000000"), storage.ComputeRoot(), codeHash));
        accounts.Set(b.ToArray(), AccountRlp(0, UInt256.Zero, MerklePatriciaTrie.EmptyRoot, Keccak256.OfEmpty));
        accounts.Set(c.ToArray(), AccountRlp(7, new UInt256(12345), MerklePatriciaTrie.EmptyRoot, Keccak256.OfEmpty));
        Assert.Equal(accounts.ComputeRoot(), StateTrie.FromState(state.Entries).ComputeRoot());
    }

    [Fact]
    public void Round_trip_through_geth_json_gives_the_same_state()
    {
        var first = GenesisLoader.Parse(GethStyle);
        // Re-emit the state as a geth file (decimal balances, hex nonces, lowercase addresses).
        var lines = new List<string>();
        foreach (var address in first.Accounts)
        {
            var s = first.State;
            var codeHash = Hash256.FromUInt256(s.Get(StateKey.CodeHash(address)));
            string code = first.Code.TryGetValue(codeHash, out var bytes) ? $", \"code\": \"0x{Convert.ToHexStringLower(bytes)}\"" : "";
            var slots = s.Entries.Where(e => e.Key.Address == address && e.Key.Kind == StateKeyKind.Storage)
                .Select(e => $"\"{e.Key.Slot.ToHexString()}\": \"{e.Value.ToHexString()}\"");
            lines.Add($"\"{address.ToString()[2..]}\": {{ \"balance\": \"{s.Get(StateKey.Balance(address))}\", \"nonce\": \"{s.Get(StateKey.Nonce(address)).ToHexString()}\"{code}, \"storage\": {{ {string.Join(", ", slots)} }} }}");
        }
        var second = GenesisLoader.Parse("{ \"alloc\": { " + string.Join(", ", lines) + " } }");
        Assert.Equal(first.Accounts, second.Accounts);
        Assert.Equal(first.State.Entries.OrderBy(e => e.Key), second.State.Entries.OrderBy(e => e.Key));
        Assert.Equal(StateTrie.FromState(first.State.Entries).ComputeRoot(), StateTrie.FromState(second.State.Entries).ComputeRoot());
    }

    [Fact]
    public void Plain_balance_map_accepts_any_address_form()
    {
        var genesis = GenesisLoader.Parse("""{ "0xAbCd000000000000000000000000000000000001": "0x10", "abcd000000000000000000000000000000000002": "16" }""");
        Assert.Equal(new UInt256(16), genesis.State.Get(StateKey.Balance(Address.Parse("abcd000000000000000000000000000000000001"))));
        Assert.Equal(new UInt256(16), genesis.State.Get(StateKey.Balance(Address.Parse("abcd000000000000000000000000000000000002"))));
    }

    [Theory]
    [InlineData("""{ "0x12": "1" }""", "'0x12' is not a 20-byte hex address")]
    [InlineData("""{ "alloc": { "0x00000000000000000000000000000000000000aa": { "balance": "12x" } } }""", "account 0x00000000000000000000000000000000000000aa: field 'balance'")]
    [InlineData("""{ "alloc": { "0x00000000000000000000000000000000000000aa": { "nonce": "1" } } }""", "account 0x00000000000000000000000000000000000000aa: field 'balance' is missing")]
    [InlineData("""{ "alloc": { "0x00000000000000000000000000000000000000aa": { "balance": "1", "nonce": "0x10000000000000000" } } }""", "field 'nonce'")]
    [InlineData("""{ "alloc": { "0x00000000000000000000000000000000000000aa": { "balance": "1", "code": "0x6" } } }""", "field 'code' has an odd number of hex digits")]
    [InlineData("""{ "alloc": { "0x00000000000000000000000000000000000000aa": { "balance": "1", "code": "0xzz" } } }""", "field 'code' is not valid hex")]
    [InlineData("""{ "alloc": { "0x00000000000000000000000000000000000000aa": { "balance": "1", "storage": { "0x01": "0xgg" } } } }""", "storage slot '0x01'")]
    [InlineData("""{ "alloc": { "0x00000000000000000000000000000000000000aa": { "balance": "-1" } } }""", "field 'balance'")]
    [InlineData("""{ "0x00000000000000000000000000000000000000aa": "1", "0x00000000000000000000000000000000000000AA": "2" }""", "listed twice")]
    [InlineData("""{ "0x00000000000000000000000000000000000000aa": true }""", "expected a balance or an object")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{ "0x00000000000000000000000000000000000000aa": """, "invalid JSON at line 1")]
    public void Bad_input_names_what_and_where_on_one_line(string json, string expected)
    {
        var error = Assert.ThrowsAny<FormatException>(() => GenesisLoader.Parse(json));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static byte[] AccountRlp(ulong nonce, UInt256 balance, Hash256 storageRoot, Hash256 codeHash)
    {
        var buffer = new byte[200];
        int n = ParallelExec.Rlp.RlpWriter.Write(buffer, nonce);
        n += ParallelExec.Rlp.RlpWriter.Write(buffer.AsSpan(n), balance);
        n += ParallelExec.Rlp.RlpWriter.Write(buffer.AsSpan(n), storageRoot);
        n += ParallelExec.Rlp.RlpWriter.Write(buffer.AsSpan(n), codeHash);
        var list = new byte[ParallelExec.Rlp.RlpWriter.LengthOfList(n)];
        int h = ParallelExec.Rlp.RlpWriter.WriteListHeader(list, n);
        buffer.AsSpan(0, n).CopyTo(list.AsSpan(h));
        return list;
    }
}
