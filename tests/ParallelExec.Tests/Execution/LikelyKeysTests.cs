using System.Collections.Concurrent;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Transactions;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Execution;

/// <summary>
/// The built-in kinds' likely keys (<see cref="ITransaction.AppendLikelyKeys"/>) against what the
/// engine really reads from a block's starting state, recorded under the executors: the keys execution
/// reads and the credited keys the block reads when it commits the first credit. Equality when a
/// transaction succeeds (a succeeding transaction of these kinds reads every key it names: none is
/// wasted and none is missed); a subset when it fails, since a failure stops before the rest of its
/// reads. The fee beneficiary's balance is the one key read and not named (credited once per block; the
/// transaction's fields do not name it).
/// </summary>
public class LikelyKeysTests
{
    private static readonly Address Beneficiary = Address.FromNumber(9, tag: 0xBE);
    private static readonly Address Token = Address.FromNumber(1, tag: 0x70);
    private static readonly Address Collection = Address.FromNumber(2, tag: 0x70);
    private const int Accounts = 6;
    private const int Pools = 2;

    public static TheoryData<WorkloadKind> Kinds => new() { WorkloadKind.P2p, WorkloadKind.Token, WorkloadKind.Amm, WorkloadKind.Hot };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_transaction_reads_exactly_its_likely_keys_when_it_succeeds_and_a_subset_when_it_fails(WorkloadKind kind)
    {
        int seed = Environment.TickCount & 0x7fffffff;
        var random = new Random(seed);
        var executor = new SequentialExecutor();
        int succeeded = 0, failed = 0;
        var likely = new List<StateKey>();
        for (int i = 0; i < 500; i++)
        {
            var state = RandomState(random);
            var tx = RandomTransaction(kind, random, state);
            var reader = new RecordingReader(state);
            var receipt = executor.Execute(new Block(new BlockHeader(1, Beneficiary), [tx]), reader).Receipts[0];
            likely.Clear();
            tx.AppendLikelyKeys(likely);
            var named = new HashSet<StateKey>(likely);
            var read = reader.Keys.Where(k => !k.Equals(StateKey.Balance(Beneficiary))).ToHashSet();
            var at = $"seed {seed}, transaction {i} ({tx.GetType().Name}, {receipt})";
            Assert.True(read.IsSubsetOf(named), $"{at}: read {string.Join(", ", read.Except(named))} without naming it");
            if (receipt.Success)
            {
                Assert.True(named.SetEquals(read), $"{at}: named {string.Join(", ", named.Except(read))} and never read it");
                succeeded++;
            }
            else
            {
                failed++;
            }
        }
        Assert.True(succeeded > 20 && failed > 20, $"seed {seed}: {succeeded} succeeded, {failed} failed (both paths must be covered)");
    }

    public static TheoryData<WorkloadKind, int> Blocks()
    {
        var data = new TheoryData<WorkloadKind, int>();
        foreach (var kind in new[] { WorkloadKind.P2p, WorkloadKind.Token, WorkloadKind.Amm, WorkloadKind.Hot, WorkloadKind.Mixed })
            foreach (int workers in new[] { 0, 2 })
                data.Add(kind, workers);
        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_block_reads_from_its_starting_state_its_likely_keys_and_the_beneficiary_and_nothing_else(WorkloadKind kind, int workers)
    {
        // Generated blocks succeed throughout (valid nonces, ample balances), under either executor.
        var workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = kind, Accounts = 50, TransactionsPerBlock = 200, Blocks = 3, Seed = 23, Pools = Pools,
        });
        using var parallel = workers > 0 ? new ParallelExecutor(workers) : null;
        IBlockExecutor executor = parallel is null ? new SequentialExecutor() : parallel;
        var state = workload.Genesis.Clone();
        var likely = new List<StateKey>();
        foreach (var block in workload.Blocks)
        {
            var expected = new HashSet<StateKey> { StateKey.Balance(block.Header.Beneficiary) };
            foreach (var tx in block.Transactions)
            {
                Assert.Null(tx.Hints);
                likely.Clear();
                tx.AppendLikelyKeys(likely);
                expected.UnionWith(likely);
            }
            var reader = new RecordingReader(state);
            var result = executor.Execute(block, reader);
            Assert.All(result.Receipts, r => Assert.True(r.Success, r.ToString()));
            Assert.True(expected.SetEquals(reader.Keys),
                $"block {block.Header.Number}: read and not named {string.Join(", ", reader.Keys.Except(expected).Take(5))}; named and not read {string.Join(", ", expected.Except(reader.Keys).Take(5))}");
            state.Apply(result.Changes);
        }
    }

    private static Address Account(int n) => Address.FromNumber((ulong)n, tag: 0x01);
    private static Address Pool(int n) => Address.FromNumber((ulong)n, tag: 0x50);
    private static Address PoolToken(int pool, int side) => Address.FromNumber((ulong)(pool * 2 + side), tag: 0x71);

    /// <summary>A few accounts whose values make every failure reachable: zero, small, ample and near-2^256 balances, absent keys.</summary>
    private static InMemoryState RandomState(Random random)
    {
        var state = new InMemoryState();
        for (int a = 0; a < Accounts; a++)
        {
            var account = Account(a);
            SetMaybe(state, random, StateKey.Nonce(account), (ulong)random.Next(3));
            SetMaybe(state, random, StateKey.Balance(account), Amount(random));
            SetMaybe(state, random, TokenTransfer.BalanceSlot(Token, account), Amount(random));
            for (int p = 0; p < Pools; p++)
                for (int side = 0; side < 2; side++)
                    SetMaybe(state, random, TokenTransfer.BalanceSlot(PoolToken(p, side), account), Amount(random));
        }
        for (int p = 0; p < Pools; p++)
        {
            SetMaybe(state, random, PoolSwap.Reserve0(Pool(p)), random.Next(5) == 0 ? UInt256.Zero : 1_000_000_000_000UL);
            SetMaybe(state, random, PoolSwap.Reserve1(Pool(p)), random.Next(5) == 0 ? UInt256.MaxValue : 1_000_000_000_000UL);
        }
        SetMaybe(state, random, CounterMint.Counter(Collection), random.Next(4) == 0 ? UInt256.MaxValue : (ulong)random.Next(100));
        return state;
    }

    private static void SetMaybe(InMemoryState state, Random random, in StateKey key, in UInt256 value)
    {
        if (random.Next(8) != 0) state.Set(key, value);
    }

    private static UInt256 Amount(Random random) => random.Next(4) switch
    {
        0 => UInt256.Zero,
        1 => (ulong)random.Next(1, 100_000),
        2 => UInt256.Parse("1000000000000000000000000"),
        _ => UInt256.MaxValue - (ulong)random.Next(1, 1000), // a credit to it overflows
    };

    private static SenderTransaction RandomTransaction(WorkloadKind kind, Random random, InMemoryState state)
    {
        var sender = Account(random.Next(Accounts));
        state.TryGet(StateKey.Nonce(sender), out var current);
        ulong nonce = current.U0 + (random.Next(6) == 0 ? 1UL : 0UL);
        ulong price = (ulong)random.Next(2);
        var to = Account(random.Next(Accounts));
        UInt256 amount = random.Next(4) == 0 ? UInt256.Parse("2000000000000000000000000") : (ulong)random.Next(1, 50_000);
        int pool = random.Next(Pools);
        bool zeroForOne = random.Next(2) == 0;
        return kind switch
        {
            WorkloadKind.P2p => new ValueTransfer(sender, nonce, price, to, amount),
            WorkloadKind.Token => new TokenTransfer(sender, nonce, price, Token, to, amount),
            WorkloadKind.Amm => new PoolSwap(sender, nonce, price, Pool(pool), PoolToken(pool, zeroForOne ? 0 : 1), PoolToken(pool, zeroForOne ? 1 : 0),
                zeroForOne, random.Next(6) == 0 ? UInt256.Zero : (ulong)random.Next(1_000, 1_000_000)),
            _ => new CounterMint(sender, nonce, price, Collection),
        };
    }

    /// <summary>Records every key read from the starting state (safe for the parallel executor's workers).</summary>
    private sealed class RecordingReader(IStateReader inner) : IStateReader
    {
        private readonly ConcurrentDictionary<StateKey, byte> _keys = new();

        public ICollection<StateKey> Keys => _keys.Keys;

        public bool TryGet(in StateKey key, out UInt256 value)
        {
            _keys.TryAdd(key, 0);
            return inner.TryGet(key, out value);
        }
    }
}
