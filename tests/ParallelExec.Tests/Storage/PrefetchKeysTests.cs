using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Storage;

namespace ParallelExec.Tests.Storage;

/// <summary>
/// <see cref="PrefetchKeys"/>: per transaction its usable hints, else its likely keys (at most
/// <see cref="ExecutionLimits.MaxLikelyKeys"/>, none when naming them throws); distinct and sorted,
/// compared with the same rule written plainly.
/// </summary>
public class PrefetchKeysTests
{
    /// <param name="wholeAccounts">Over a store that keeps accounts whole: a named account field brings its two siblings.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Hints_win_else_likely_keys_bounded_distinct_and_sorted(bool wholeAccounts)
    {
        int seed = Environment.TickCount & 0x7fffffff;
        var random = new Random(seed);
        var collector = new PrefetchKeys(wholeAccounts);
        for (int round = 0; round < 20; round++)
        {
            var txs = new List<ITransaction>();
            var expected = new HashSet<StateKey>();
            for (int t = 0; t < 40; t++)
            {
                var likely = Keys(random, random.Next(4) == 0 ? random.Next(200, 1200) : random.Next(0, 6));
                var reads = Keys(random, random.Next(0, 4));
                var writes = Keys(random, random.Next(0, 4));
                switch (random.Next(5))
                {
                    case 0: // usable hints: they are taken, the likely keys are not
                        txs.Add(new NamingTransaction(new AccessHints(reads, writes), likely));
                        expected.UnionWith(reads);
                        expected.UnionWith(writes);
                        break;
                    case 1: // hints too large to use: the likely keys are taken instead
                        txs.Add(new NamingTransaction(new AccessHints(Keys(random, ExecutionLimits.MaxHintKeys + 1), writes), likely));
                        expected.UnionWith(likely.Take(ExecutionLimits.MaxLikelyKeys));
                        break;
                    case 2: // naming throws after appending some: none are taken
                        txs.Add(new NamingTransaction(null, likely, throws: true));
                        break;
                    case 3: // the interface's default names nothing
                        txs.Add(new SilentTransaction());
                        break;
                    default:
                        txs.Add(new NamingTransaction(null, likely));
                        expected.UnionWith(likely.Take(ExecutionLimits.MaxLikelyKeys));
                        break;
                }
            }
            // Keys shared between transactions are read once.
            txs.Add(new NamingTransaction(null, expected.Take(3).ToArray()));

            if (wholeAccounts)
            {
                foreach (var key in expected.Where(k => k.IsAccountField).ToArray())
                    expected.UnionWith([StateKey.Nonce(key.Address), StateKey.Balance(key.Address), StateKey.CodeHash(key.Address)]);
            }

            var keys = collector.Collect(new Block(new BlockHeader(round + 1, default), txs));
            Assert.True(expected.Order().SequenceEqual(keys), $"seed {seed}, round {round}, whole accounts {wholeAccounts}");
        }
    }

    private static StateKey[] Keys(Random random, int count)
    {
        var keys = new StateKey[count];
        for (int i = 0; i < count; i++)
        {
            var address = Address.FromNumber((ulong)random.Next(50), tag: 0x01); // few addresses: keys repeat
            keys[i] = random.Next(4) switch
            {
                0 => StateKey.Balance(address),
                1 => StateKey.Nonce(address),
                2 => StateKey.CodeHash(address),
                _ => StateKey.Storage(address, (ulong)random.Next(1000)),
            };
        }
        return keys;
    }

    private sealed class NamingTransaction(AccessHints? hints, StateKey[] likely, bool throws = false) : ITransaction
    {
        public ulong GasLimit => 1;
        public AccessHints? Hints => hints;
        public ExecutionOutcome Execute(ITransactionContext context) => ExecutionOutcome.Success;

        public void AppendLikelyKeys(List<StateKey> keys)
        {
            keys.AddRange(likely);
            if (throws) throw new InvalidOperationException("naming failed");
        }
    }

    private sealed class SilentTransaction : ITransaction
    {
        public ulong GasLimit => 1;
        public ExecutionOutcome Execute(ITransactionContext context) => ExecutionOutcome.Success;
    }
}
