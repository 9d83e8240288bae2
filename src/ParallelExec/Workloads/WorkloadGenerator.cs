using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Transactions;

namespace ParallelExec.Workloads;

/// <summary>
/// Generates reproducible chains of the built-in transaction kinds over a fresh state: funded
/// accounts, a token, pools and a collection. Nonces follow each sender's count so every generated
/// transaction is valid (balances are large enough that none fails by accident).
/// </summary>
public static class WorkloadGenerator
{
    /// <summary>The fee beneficiary of every generated block.</summary>
    public static readonly Address Beneficiary = Address.FromNumber(0, tag: 0xBE);
    /// <summary>The token contract of the token workload.</summary>
    public static readonly Address Token = Address.FromNumber(1, tag: 0x70);
    /// <summary>The collection of the hot-counter workload.</summary>
    public static readonly Address Collection = Address.FromNumber(2, tag: 0x70);
    /// <summary>Every account's starting balance (10^24).</summary>
    public static readonly UInt256 InitialBalance = UInt256.Parse("1000000000000000000000000"); // 10^24
    /// <summary>Every account's starting token balance (10^18).</summary>
    public static readonly UInt256 InitialTokens = UInt256.Parse("1000000000000000000"); // 10^18
    /// <summary>Each pool's starting reserve per side (10^15).</summary>
    public const ulong InitialReserve = 1_000_000_000_000_000; // 10^15 per side

    /// <summary>The address of account <paramref name="n"/>.</summary>
    public static Address Account(int n) => Address.FromNumber((ulong)n, tag: 0x01);
    /// <summary>The address of pool <paramref name="n"/>.</summary>
    public static Address Pool(int n) => Address.FromNumber((ulong)n, tag: 0x50);
    /// <summary>The token on side <paramref name="side"/> (0 or 1) of pool <paramref name="pool"/>.</summary>
    public static Address PoolToken(int pool, int side) => Address.FromNumber((ulong)(pool * 2 + side), tag: 0x71);

    /// <summary>Generates the genesis and the blocks <paramref name="options"/> describe; the same options give the same workload.</summary>
    public static Workload Generate(WorkloadOptions options)
    {
        options.Validate();
        return new Workload(options, CreateGenesis(options), [.. GenerateBlocks(options)]);
    }

    /// <summary>
    /// The blocks of <see cref="Generate"/>, made one at a time as they are enumerated (what stays
    /// in memory is a nonce per account); their genesis is <see cref="WorkloadGenesis.Entries"/>.
    /// </summary>
    public static IEnumerable<Block> GenerateBlocks(WorkloadOptions options)
    {
        options.Validate();
        var random = new Random(unchecked((int)options.Seed ^ (int)(options.Seed >> 32)));
        var nonces = new ulong[options.Accounts];
        for (int b = 0; b < options.Blocks; b++)
        {
            var header = new BlockHeader(b + 1, Beneficiary);
            var txs = new ITransaction[options.TransactionsPerBlock];
            for (int t = 0; t < txs.Length; t++)
                txs[t] = NextTransaction(options, random, nonces, header.Beneficiary);
            yield return new Block(header, txs);
        }
    }

    private static InMemoryState CreateGenesis(WorkloadOptions options)
    {
        var state = new InMemoryState((int)Math.Min(WorkloadGenesis.Count(options), int.MaxValue));
        foreach (var (key, value) in WorkloadGenesis.Entries(options)) state.Set(key, value);
        return state;
    }

    private static ITransaction NextTransaction(WorkloadOptions o, Random random, ulong[] nonces, Address beneficiary)
    {
        int from = random.Next(o.Accounts);
        var sender = Account(from);
        ulong nonce = nonces[from]++;
        ulong price = o.Fees ? 1UL : 0UL;
        var kind = o.Kind;
        if (kind == WorkloadKind.Mixed)
        {
            int roll = random.Next(100);
            kind = roll < 50 ? WorkloadKind.P2p : roll < 75 ? WorkloadKind.Token : roll < 90 ? WorkloadKind.Amm : WorkloadKind.Hot;
        }
        SenderTransaction tx = kind switch
        {
            WorkloadKind.P2p => new ValueTransfer(sender, nonce, price, Account(random.Next(o.Accounts)), (ulong)random.Next(1, 1_000_000), o.Work),
            WorkloadKind.Token => new TokenTransfer(sender, nonce, price, Token, Account(random.Next(o.Accounts)), (ulong)random.Next(1, 1_000_000), o.Work),
            WorkloadKind.Amm => Swap(o, random, sender, nonce, price),
            _ => new CounterMint(sender, nonce, price, Collection, o.Work),
        };
        return WithHints(tx, o.Hints, random, beneficiary);
    }

    private static PoolSwap Swap(WorkloadOptions o, Random random, Address sender, ulong nonce, ulong price)
    {
        int pool = random.Next(o.Pools);
        bool zeroForOne = random.Next(2) == 0;
        var tokenIn = PoolToken(pool, zeroForOne ? 0 : 1);
        var tokenOut = PoolToken(pool, zeroForOne ? 1 : 0);
        return new PoolSwap(sender, nonce, price, Pool(pool), tokenIn, tokenOut, zeroForOne, (ulong)random.Next(1_000, 1_000_000), o.Work);
    }

    private static ITransaction WithHints(SenderTransaction tx, HintMode mode, Random random, Address beneficiary)
    {
        if (mode == HintMode.None) return tx;
        var exact = tx.BuildHints(beneficiary);
        AccessHints? hints = exact;
        if (mode == HintMode.Unreliable)
        {
            int roll = random.Next(4);
            hints = roll switch
            {
                0 => null,
                1 => new AccessHints([StateKey.Balance(Account(random.Next(1000)))], [StateKey.Nonce(Account(random.Next(1000)))]),
                2 => new AccessHints(exact.Reads[..1], []), // incomplete
                _ => exact,
            };
        }
        return tx.WithHints(hints);
    }
}
