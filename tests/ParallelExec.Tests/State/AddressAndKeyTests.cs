using ParallelExec.State;

namespace ParallelExec.Tests.State;

public sealed class AddressTests
{
    private const string Hex = "0123456789abcdef0123456789abcdef01234567";

    [Theory]
    [InlineData("0x" + Hex)]
    [InlineData(Hex)]
    [InlineData("0X0123456789ABCDEF0123456789abcdef01234567")]
    [InlineData("0123456789AbCdEf0123456789aBcDeF01234567")]
    [InlineData("  0x0123456789abcdef0123456789abcdef01234567 ")]
    public void Parse_accepts_40_hex_digits_with_or_without_prefix_in_any_case(string text)
    {
        Assert.True(Address.TryParse(text, out var address));
        Assert.Equal("0x" + Hex, address.ToString());
        Assert.Equal(Convert.FromHexString(Hex), address.ToArray());
        Assert.Equal(address, Address.Parse(text));
    }

    [Theory]
    [InlineData("0x0123456789abcdef0123456789abcdef0123456")] // 39 digits
    [InlineData("0x0123456789abcdef0123456789abcdef012345678")] // 41 digits
    [InlineData("0123456789abcdef0123456789abcdef012345")] // 38 digits
    [InlineData("0123456789abcdef0123456789abcdef0123456789")] // 42 digits without prefix
    [InlineData("0x0123456789abcdef0123456789abcdef0123456g")] // not hex
    [InlineData("0x")]
    [InlineData("")]
    public void Parse_rejects_wrong_length_and_non_hex(string text)
    {
        Assert.False(Address.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Address.Parse(text));
    }

    [Fact]
    public void TryParse_null_is_false_and_constructor_checks_length()
    {
        Assert.False(Address.TryParse(null, out _));
        Assert.Throws<ArgumentException>(() => new Address(new byte[19]));
        Assert.Throws<ArgumentException>(() => new Address(new byte[21]));
    }

    [Fact]
    public void ToUInt256_is_right_aligned_big_endian()
    {
        var one = Address.Parse("0x0000000000000000000000000000000000000001");
        Assert.Equal(UInt256.One, one.ToUInt256());
        var top = Address.Parse("0x8000000000000000000000000000000000000000");
        Assert.Equal(new UInt256(0, 0, 1UL << 31), top.ToUInt256()); // 2^159
        var all = Address.Parse("0xffffffffffffffffffffffffffffffffffffffff");
        Assert.Equal(new UInt256(ulong.MaxValue, ulong.MaxValue, 0xFFFF_FFFF), all.ToUInt256());
        var a = Address.Parse("0x" + Hex);
        Assert.Equal(UInt256.FromBigEndian(a.ToArray()), a.ToUInt256());
        Assert.Equal(new UInt256(0x89abcdef01234567, 0x89abcdef01234567, 0x01234567), a.ToUInt256());
        var word = new byte[32];
        a.ToUInt256().WriteBigEndian(word);
        Assert.All(word[..12], b => Assert.Equal(0, b));
        Assert.Equal(a.ToArray(), word[12..]);
    }

    [Fact]
    public void Ordering_follows_the_bytes()
    {
        string[] ascending =
        [
            "0x0000000000000000000000000000000000000000",
            "0x0000000000000000000000000000000000000001",
            "0x00000000000000000000000000000000ffffffff",
            "0x0000000000000000000000000000000100000000",
            "0x0000000000000000ffffffffffffffffffffffff",
            "0x0000000000000001000000000000000000000000",
            "0xffffffffffffffffffffffffffffffffffffffff",
        ];
        var addresses = ascending.Select(Address.Parse).ToArray();
        for (int i = 0; i < addresses.Length; i++)
        for (int j = 0; j < addresses.Length; j++)
        {
            Assert.Equal(i.CompareTo(j), Math.Sign(addresses[i].CompareTo(addresses[j])));
            Assert.Equal(i == j, addresses[i] == addresses[j]);
        }
    }

    [Fact]
    public void FromNumber_is_deterministic_and_distinct()
    {
        Assert.Equal(Address.FromNumber(5), Address.FromNumber(5));
        Assert.NotEqual(Address.FromNumber(5), Address.FromNumber(6));
        Assert.NotEqual(Address.FromNumber(5), Address.FromNumber(5, tag: 1));
        Assert.NotEqual(Address.FromNumber(1), Address.FromNumber(1UL << 32));
        Assert.Equal(Address.FromNumber(77), Address.Parse(Address.FromNumber(77).ToString()));
    }
}

public sealed class StateKeyTests
{
    private static readonly Address A = Address.Parse("0x1000000000000000000000000000000000000000");
    private static readonly Address B = Address.Parse("0x2000000000000000000000000000000000000000");

    [Fact]
    public void Equality_covers_address_kind_and_slot()
    {
        Assert.Equal(StateKey.Balance(A), StateKey.Balance(A));
        Assert.Equal(StateKey.Balance(A).GetHashCode(), StateKey.Balance(A).GetHashCode());
        Assert.NotEqual(StateKey.Balance(A), StateKey.Balance(B));
        Assert.NotEqual(StateKey.Balance(A), StateKey.Nonce(A));
        Assert.NotEqual(StateKey.Nonce(A), StateKey.CodeHash(A));
        Assert.NotEqual(StateKey.Storage(A, 0), StateKey.Nonce(A));
        Assert.NotEqual(StateKey.Storage(A, 1), StateKey.Storage(A, 2));
        Assert.Equal(StateKey.Storage(A, new UInt256(0, 0, 0, 5)), StateKey.Storage(A, new UInt256(0, 0, 0, 5)));
        Assert.True(StateKey.Storage(A, 1) == StateKey.Storage(A, 1));
        Assert.True(StateKey.Storage(A, 1) != StateKey.Storage(B, 1));
        var set = new HashSet<StateKey> { StateKey.Balance(A), StateKey.Balance(A), StateKey.Nonce(A), StateKey.Storage(A, 0) };
        Assert.Equal(3, set.Count);
    }

    [Fact]
    public void Numbered_accounts_fields_hash_apart()
    {
        // Generated workloads number their accounts. An account's nonce once hashed like the next
        // account's balance (the kind folded into the address's low word), so every such pair shared
        // a hash and each lookup of one compared the other's key first. With a good 32-bit hash, 3,000
        // keys are expected to share a hash about once in a thousand sets: allow a few.
        var keys = new List<StateKey>();
        for (ulong n = 0; n < 1000; n++)
        {
            var account = Address.FromNumber(n);
            keys.Add(StateKey.Nonce(account));
            keys.Add(StateKey.Balance(account));
            keys.Add(StateKey.CodeHash(account));
        }
        int distinct = keys.Select(k => k.GetHashCode()).Distinct().Count();
        Assert.True(distinct >= keys.Count - 3, $"{keys.Count - distinct} of {keys.Count} keys share a hash with another");
    }

    [Fact]
    public void Ordering_is_address_then_kind_then_slot()
    {
        StateKey[] ascending =
        [
            StateKey.Nonce(A), StateKey.Balance(A), StateKey.CodeHash(A),
            StateKey.Storage(A, 0), StateKey.Storage(A, 1), StateKey.Storage(A, new UInt256(0, 1)), StateKey.Storage(A, UInt256.MaxValue),
            StateKey.Nonce(B), StateKey.Storage(B, 0),
        ];
        for (int i = 0; i < ascending.Length; i++)
        for (int j = 0; j < ascending.Length; j++)
            Assert.Equal(i.CompareTo(j), Math.Sign(ascending[i].CompareTo(ascending[j])));
    }

    [Fact]
    public void Comparing_and_sorting_keys_allocates_nothing()
    {
        // A block's likely keys are sorted before their batched read: ~30,000 keys a block, and
        // Enum.CompareTo(object) once boxed two kinds per comparison of one account's fields.
        var keys = new StateKey[64];
        for (int i = 0; i < keys.Length; i++)
            keys[i] = (i % 4) switch { 0 => StateKey.Balance(A), 1 => StateKey.Nonce(A), 2 => StateKey.CodeHash(B), _ => StateKey.Storage(B, (ulong)i) };
        Array.Sort(keys); // the JIT and the sort's own first-use allocations happen here
        Random.Shared.Shuffle(keys);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 1; i < keys.Length; i++) sum += keys[i].CompareTo(keys[i - 1]);
        Array.Sort(keys);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(sum != int.MinValue); // keeps the comparisons
        for (int i = 1; i < keys.Length; i++) Assert.True(keys[i - 1].CompareTo(keys[i]) <= 0);
    }

    [Fact]
    public void A_key_takes_64_bytes()
    {
        // Keys fill every output, version list, committed entry and change of a block: the kind and the
        // cached hash share 8 bytes, so an address, a slot and both take 64 (a field order that padded
        // the kind took 72).
        Assert.Equal(64, System.Runtime.CompilerServices.Unsafe.SizeOf<StateKey>());
    }

    [Fact]
    public void Create_rejects_a_slot_on_account_fields()
    {
        Assert.Throws<ArgumentException>(() => StateKey.Create(A, StateKeyKind.Nonce, UInt256.One));
        Assert.Throws<ArgumentException>(() => StateKey.Create(A, StateKeyKind.Balance, new UInt256(0, 0, 0, 1)));
        Assert.Throws<ArgumentException>(() => StateKey.Create(A, StateKeyKind.CodeHash, UInt256.MaxValue));
        Assert.Equal(StateKey.Balance(A), StateKey.Create(A, StateKeyKind.Balance, UInt256.Zero));
        Assert.Equal(StateKey.Nonce(A), StateKey.Create(A, StateKeyKind.Nonce, UInt256.Zero));
        Assert.Equal(StateKey.Storage(A, 9), StateKey.Create(A, StateKeyKind.Storage, 9));
        Assert.True(StateKey.Nonce(A).IsAccountField);
        Assert.True(StateKey.CodeHash(A).IsAccountField);
        Assert.False(StateKey.Storage(A, 0).IsAccountField);
        Assert.True(StateKey.Balance(A).Slot.IsZero);
    }
}

public sealed class Hash256Tests
{
    [Fact]
    public void Parse_round_trips_and_reads_as_a_big_endian_word()
    {
        const string text = "0x00000000000000000000000000000000000000000000000000000000000001ff";
        var hash = Hash256.Parse(text);
        Assert.Equal(text, hash.ToString());
        Assert.Equal(new UInt256(0x1ff), hash.ToUInt256());
        Assert.Equal(hash, Hash256.FromUInt256(new UInt256(0x1ff)));
        var word = new UInt256(1, 2, 3, 4);
        Assert.Equal(word, Hash256.FromUInt256(word).ToUInt256());
        Assert.Throws<FormatException>(() => Hash256.Parse("0x1234"));
        Assert.Throws<ArgumentException>(() => new Hash256(new byte[31]));
    }
}
