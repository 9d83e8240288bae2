using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Transactions;

namespace ParallelExec.Tests.Batches;

/// <summary>
/// Blocks of the built-in kinds with every field drawn at random (seeded): nonces in and out of
/// sequence up to 2^64 − 1, gas prices and work off the common value, amounts small, round, huge and
/// 2^256 − 1, hints absent, derived, or explicit with random keys, addresses in and out of the genesis;
/// and the exact-equality check of two block lists (their chain-file bytes).
/// </summary>
internal static class BatchTestBlocks
{
    public static List<ChainBlock> Random(int seed, InMemoryState genesis, int blocks = 4, int maxTxs = 40)
    {
        var random = new Random(seed);
        var known = genesis.Entries.Select(e => e.Key.Address).Distinct().OrderBy(a => a).ToArray();
        var fresh = Enumerable.Range(0, 8).Select(i => Address.FromNumber((ulong)(seed * 100 + i), tag: 0xF0)).ToArray();
        Address Pick() => random.Next(4) == 0 ? fresh[random.Next(fresh.Length)] : known[random.Next(known.Length)];
        var nonces = new Dictionary<Address, ulong>();
        long number = random.Next(3) == 0 ? 1 : random.NextInt64(0, long.MaxValue / 2);
        var result = new List<ChainBlock>();
        for (int b = 0; b < blocks; b++, number++)
        {
            var beneficiary = Pick();
            int count = random.Next(5) == 0 ? 0 : random.Next(1, maxTxs);
            var txs = new ITransaction[count];
            for (int i = 0; i < count; i++) txs[i] = Transaction(random, Pick, nonces, beneficiary);
            var root = random.Next(3) == 0 ? default : new Hash256(RandomBytes(random, 32));
            result.Add(new ChainBlock(new Block(new BlockHeader(number, beneficiary), txs), root));
        }
        return result;
    }

    private static ITransaction Transaction(Random random, Func<Address> pick, Dictionary<Address, ulong> nonces, Address beneficiary)
    {
        var sender = pick();
        ulong nonce = random.Next(10) switch
        {
            < 7 => nonces.GetValueOrDefault(sender),
            7 => ulong.MaxValue,
            _ => (ulong)random.NextInt64(),
        };
        nonces[sender] = nonce + 1; // wraps after 2^64 − 1: the next one is then explicit
        ulong price = random.Next(5) == 0 ? (ulong)random.NextInt64() : 1;
        int work = random.Next(5) == 0 ? random.Next() : 0;
        var amount = Amount(random);
        SenderTransaction tx = random.Next(5) switch
        {
            0 => new ValueTransfer(sender, nonce, price, pick(), amount, work),
            1 => new TokenTransfer(sender, nonce, price, pick(), pick(), amount, work),
            2 => new PoolSwap(sender, nonce, price, pick(), pick(), pick(), random.Next(2) == 0, amount, work),
            _ => new CounterMint(sender, nonce, price, pick(), work),
        };
        return random.Next(3) switch
        {
            0 => tx,
            1 => tx.WithHints(tx.BuildHints(beneficiary)),
            _ => tx.WithHints(new AccessHints(Keys(random, pick), Keys(random, pick))),
        };
    }

    private static UInt256 Amount(Random random) => random.Next(7) switch
    {
        0 => UInt256.Zero,
        1 => UInt256.MaxValue,
        2 => (ulong)random.Next(1, 1_000_000),
        3 => UInt256.FromBigInteger(System.Numerics.BigInteger.Pow(10, random.Next(0, 77)) * random.Next(1, 10)), // round: 9·10^76 < 2^256
        4 => UInt256.FromBigEndian(RandomBytes(random, 32)),
        5 => (ulong)random.NextInt64() * 1000UL,
        _ => UInt256.FromBigEndian(RandomBytes(random, random.Next(1, 32))),
    };

    private static StateKey[] Keys(Random random, Func<Address> pick)
    {
        var keys = new StateKey[random.Next(0, 4)];
        for (int i = 0; i < keys.Length; i++)
        {
            var address = pick();
            keys[i] = random.Next(4) switch
            {
                0 => StateKey.Nonce(address),
                1 => StateKey.Balance(address),
                2 => StateKey.CodeHash(address),
                _ => StateKey.Storage(address, UInt256.FromBigEndian(RandomBytes(random, random.Next(0, 33)))),
            };
        }
        return keys;
    }

    private static byte[] RandomBytes(Random random, int n)
    {
        var bytes = new byte[n];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The blocks as .pxb block records: equal bytes are equal numbers, beneficiaries, roots, transaction kinds, fields and hints.</summary>
    public static byte[] ChainBytes(IEnumerable<ChainBlock> blocks)
    {
        using var stream = new MemoryStream();
        using (var writer = new ChainWriter(stream, ChainStart.FromParentRoot(default), leaveOpen: true))
        {
            foreach (var block in blocks) writer.WriteBlock(block);
            writer.Complete();
        }
        return stream.ToArray();
    }

    /// <summary>Asserts that <paramref name="actual"/> equals <paramref name="expected"/> exactly, naming the first block and transaction that differ.</summary>
    public static void AssertSame(IReadOnlyList<ChainBlock> expected, IReadOnlyList<ChainBlock> actual, string context)
    {
        Assert.True(expected.Count == actual.Count, $"{context}: {actual.Count} blocks, expected {expected.Count}");
        for (int b = 0; b < expected.Count; b++)
        {
            var (e, a) = (expected[b], actual[b]);
            Assert.True(e.Number == a.Number && e.Header.Beneficiary == a.Header.Beneficiary && e.ExpectedRoot.Equals(a.ExpectedRoot),
                $"{context}: block {e.Number} header or root differs");
            Assert.True(e.Transactions.Count == a.Transactions.Count, $"{context}: block {e.Number} has {a.Transactions.Count} txs, expected {e.Transactions.Count}");
            for (int t = 0; t < e.Transactions.Count; t++)
            {
                var one = ChainBytes([new ChainBlock(new Block(e.Header, [e.Transactions[t]]))]);
                var two = ChainBytes([new ChainBlock(new Block(a.Header, [a.Transactions[t]]))]);
                Assert.True(one.AsSpan().SequenceEqual(two), $"{context}: block {e.Number} transaction {t} ({e.Transactions[t].GetType().Name}) differs");
            }
        }
        Assert.Equal(ChainBytes(expected), ChainBytes(actual));
    }
}
