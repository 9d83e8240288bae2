using ParallelExec.AccessLists;
using ParallelExec.Rlp;
using ParallelExec.State;

namespace ParallelExec.Tests.AccessLists;

/// <summary>EIP-7928 RLP and JSON: canonical encoding, round trips, and strict rejection of malformed input.</summary>
public sealed class AccessListEncodingTests
{
    private static readonly Address A = Address.Parse("0x00000000000000000000000000000000000000aa");
    private static readonly Address B = Address.Parse("0x00000000000000000000000000000000000000bb");

    // One account: slot 0 zeroed and slot 1 set by transaction 1, slot 2 read, balance 0 after tx 1, nonce 5 after tx 2.
    private static BlockAccessList Sample() => new([
        new AccountChanges(A,
            [new SlotChanges(0, [new AccessListChange(1, 0)]), new SlotChanges(1, [new AccessListChange(1, 0x123)])],
            [2], [new AccessListChange(1, 0)], [new AccessListChange(2, 5)], []),
    ]);

    [Fact]
    public void Empty_list_encodes_as_the_empty_rlp_list_with_the_eip_hash()
    {
        Assert.Equal([0xc0], BlockAccessList.Empty.Encode());
        Assert.Equal("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347", BlockAccessList.Empty.ComputeHash().ToString());
        Assert.Empty(BlockAccessList.Decode([0xc0]).Accounts);
        Assert.Equal("[]", BlockAccessList.Empty.ToJson());
    }

    [Fact]
    public void Sample_encodes_as_ethereumjs_does()
    {
        // @ethereumjs/util 10.1.3: createBlockLevelAccessListFromJSON(the same list).serialize() and .hash().
        var list = Sample();
        Assert.Equal("f0ef9400000000000000000000000000000000000000aacec580c3c20180c701c5c401820123c102c3c20180c3c20205c0",
            Convert.ToHexStringLower(list.Encode()));
        Assert.Equal("0x88b3b6673789b19a7e17a9c63c6096b4568de075d5a2f7105215448be4cceb5e", list.ComputeHash().ToString());
    }

    [Fact]
    public void Rlp_and_json_round_trip()
    {
        var list = new BlockAccessList([
            new AccountChanges(A, [], [UInt256.MaxValue], [new AccessListChange(3, UInt256.MaxValue)], [],
                [new AccessListChange(1, UInt256.Parse("12345678901234567890")), new AccessListChange(ushort.MaxValue, 0)]),
            AccountChanges.Accessed(B),
        ]);
        var rlp = list.Encode();
        Assert.Equal(rlp, BlockAccessList.Decode(rlp).Encode());
        Assert.Equal(rlp, BlockAccessList.FromJson(list.ToJson()).Encode());
        Assert.Equal(rlp, BlockAccessList.FromJson(list.ToJson(indented: true)).Encode());
        Assert.Contains("\"newCode\":\"0x\"", list.ToJson());
    }

    // Raw RLP builders, so malformed lists can be written that the model would refuse to build.
    private static byte[] L(params byte[][] items) => RlpWriter.EncodeList(items);
    private static byte[] S(params byte[] bytes) => RlpWriter.EncodeString(bytes);
    private static byte[] I(ulong value)
    {
        var buffer = new byte[9];
        return buffer[..RlpWriter.Write(buffer, value)];
    }
    private static byte[] Addr(Address address) => S(address.ToArray());
    private static readonly byte[] E = L();
    private static byte[] Account(Address a, byte[] slots, byte[] reads, byte[] balances, byte[] nonces, byte[] codes) =>
        L(Addr(a), slots, reads, balances, nonces, codes);

    public static TheoryData<string, string> MalformedRlp => new()
    {
        { "", "malformed RLP" },
        { "c1", "malformed RLP" },
        { "c0c0", "trailing" },
        { "80", "expected a list" },
        { Hex(L(L(Addr(A), E, E, E, E))), "malformed RLP" },
        { Hex(L(L(Addr(A), E, E, E, E, E, E))), "more than 6 fields" },
        { Hex(L(L(S(new byte[19]), E, E, E, E, E))), "address has 19 bytes" },
        { Hex(L(Account(B, E, E, E, E, E), Account(A, E, E, E, E, E))), "out of order" },
        { Hex(L(Account(A, E, E, E, E, E), Account(A, E, E, E, E, E))), "duplicates" },
        { Hex(L(Account(A, E, E, L(L(I(2), I(5)), L(I(1), I(6))), E, E))), "out of order or duplicated" },
        { Hex(L(Account(A, E, E, L(L(I(1), S(0, 5))), E, E))), "leading zero" },
        { Hex(L(Account(A, E, E, L(L(I(0x10000), I(5))), E, E))), "16 bits" },
        { Hex(L(Account(A, E, E, L(L(I(1), I(5), I(6))), E, E))), "trailing" },
        { Hex(L(Account(A, E, E, E, E, L(L(I(1), S(1, 2)))))), "not a 32-byte code hash" },
        { Hex(L(Account(A, E, E, E, E, L(L(I(1), S(new byte[32])))))), "zero code hash" },
        { Hex(L(Account(A, L(L(I(2), L(L(I(3), I(1))))), L(I(2)), E, E, E))), "both changed and read" },
        { Hex(L(Account(A, E, L(I(2), I(2)), E, E, E))), "out of order or duplicated" },
        { Hex(L(Account(A, L(L(I(2), E)), E, E, E, E))), "has no changes" },
        { Hex(L(Account(A, L(L(I(3), L(L(I(1), I(1)))), L(I(2), L(L(I(1), I(1))))), E, E, E, E))), "out of order or duplicated" },
        { Hex(L(Account(A, E, E, E, L(L(I(1), S(1, 0, 0, 0, 0, 0, 0, 0, 0))), E))), "64 bits" },
    };

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [Fact]
    public void Oversized_input_is_refused_before_decoding()
    {
        var rlp = Sample().Encode();
        var e = Assert.Throws<BlockAccessListException>(() => BlockAccessList.Decode(rlp, new AccessListLimits { MaxBytes = rlp.Length - 1 }));
        Assert.Contains("exceeds the limit", e.Message);
        Assert.Throws<BlockAccessListException>(() => BlockAccessList.FromJson(Sample().ToJson(), new AccessListLimits { MaxBytes = 10 }));
    }

    [Theory]
    [InlineData("{}", "not an array")]
    [InlineData("[", "malformed")]
    [InlineData("[{}]", "'address' is missing")]
    [InlineData("[{\"address\":\"0x12\"}]", "not 20 bytes")]
    [InlineData("[{\"address\":\"0x00000000000000000000000000000000000000aa\",\"storageChanges\":[],\"storageReads\":[\"0xzz\"],\"balanceChanges\":[],\"nonceChanges\":[],\"codeChanges\":[]}]", "not hex")]
    [InlineData("[{\"address\":\"0x00000000000000000000000000000000000000aa\",\"storageChanges\":[],\"storageReads\":[],\"balanceChanges\":[{\"blockAccessIndex\":\"0x10000\",\"postBalance\":\"0x1\"}],\"nonceChanges\":[],\"codeChanges\":[]}]", "16 bits")]
    [InlineData("[{\"address\":\"0x00000000000000000000000000000000000000aa\",\"storageChanges\":[],\"storageReads\":[\"0x1\",\"0x1\"],\"balanceChanges\":[],\"nonceChanges\":[],\"codeChanges\":[]}]", "duplicated")]
    [InlineData("[{\"address\":\"0x00000000000000000000000000000000000000aa\",\"storageChanges\":[],\"storageReads\":[\"0x1000000000000000000000000000000000000000000000000000000000000000000\"],\"balanceChanges\":[],\"nonceChanges\":[],\"codeChanges\":[]}]", "wider than 32 bytes")]
    public void Malformed_json_gets_a_one_line_error(string json, string expected)
    {
        var e = Assert.Throws<BlockAccessListException>(() => BlockAccessList.FromJson(json));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
