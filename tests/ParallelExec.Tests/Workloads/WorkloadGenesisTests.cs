using ParallelExec.Blocks;
using ParallelExec.Tests.Blocks;
using ParallelExec.State;
using ParallelExec.Transactions;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Workloads;

/// <summary>
/// The streamed genesis of a generated workload: its entries come in key order, as many as announced,
/// and are exactly the state the workload is defined to start from (built here the plain way, in
/// memory, as a reference); a chain file written from the stream is byte for byte the file written
/// from the state held in memory.
/// </summary>
public sealed class WorkloadGenesisTests
{
    public static IEnumerable<object[]> Kinds() =>
        from kind in Enum.GetValues<WorkloadKind>() from pools in new[] { 1, 4 } select new object[] { kind, pools };

    // The starting state by its definition: funded accounts, token balances, pool reserves and pool-token balances, a beneficiary.
    private static Dictionary<StateKey, UInt256> Reference(WorkloadOptions o)
    {
        bool tokens = o.Kind is WorkloadKind.Token or WorkloadKind.Mixed, pools = o.Kind is WorkloadKind.Amm or WorkloadKind.Mixed;
        var state = new Dictionary<StateKey, UInt256>();
        for (int a = 0; a < o.Accounts; a++)
        {
            var account = WorkloadGenerator.Account(a);
            state[StateKey.Nonce(account)] = UInt256.Zero;
            state[StateKey.Balance(account)] = WorkloadGenerator.InitialBalance;
            if (tokens) state[TokenTransfer.BalanceSlot(WorkloadGenerator.Token, account)] = WorkloadGenerator.InitialTokens;
            if (pools)
                for (int side = 0; side < 2; side++)
                    for (int p = 0; p < o.Pools; p++)
                        state[TokenTransfer.BalanceSlot(WorkloadGenerator.PoolToken(p, side), account)] = WorkloadGenerator.InitialTokens;
        }
        state[StateKey.Balance(WorkloadGenerator.Beneficiary)] = UInt256.Zero;
        if (pools)
        {
            for (int p = 0; p < o.Pools; p++)
            {
                state[PoolSwap.Reserve0(WorkloadGenerator.Pool(p))] = new UInt256(WorkloadGenerator.InitialReserve);
                state[PoolSwap.Reserve1(WorkloadGenerator.Pool(p))] = new UInt256(WorkloadGenerator.InitialReserve);
            }
        }
        return state;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_stream_is_the_defined_state_in_key_order(WorkloadKind kind, int pools)
    {
        var options = new WorkloadOptions { Kind = kind, Accounts = 1_500, Pools = pools };
        var reference = Reference(options);
        var entries = WorkloadGenesis.Entries(options).ToList();
        Assert.Equal(reference.Count, entries.Count);
        Assert.Equal(WorkloadGenesis.Count(options), entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            if (i > 0) Assert.True(entries[i - 1].Key.CompareTo(entries[i].Key) < 0, $"{kind}: entry {i} ({entries[i].Key}) is not after {entries[i - 1].Key}");
            Assert.True(reference.TryGetValue(entries[i].Key, out var value) && value == entries[i].Value, $"{kind}: entry {i} ({entries[i].Key}) is not in the defined state with that value");
        }
    }

    [Theory]
    [InlineData(WorkloadKind.P2p)]
    [InlineData(WorkloadKind.Mixed)]
    public void A_chain_file_written_from_the_stream_equals_one_written_from_memory(WorkloadKind kind)
    {
        var options = new WorkloadOptions { Kind = kind, Accounts = 2_000, TransactionsPerBlock = 300, Blocks = 3, Seed = 7 };
        var workload = WorkloadGenerator.Generate(options);
        string inMemory = ChainTestFiles.TempFile(), streamed = ChainTestFiles.TempFile();
        try
        {
            ChainWriter.Write(inMemory, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b)));
            ChainWriter.Write(streamed, ChainStart.FromSortedGenesis(WorkloadGenesis.Count(options), () => WorkloadGenesis.Entries(options)),
                WorkloadGenerator.GenerateBlocks(options).Select(b => new ChainBlock(b)));
            Assert.Equal(File.ReadAllBytes(inMemory), File.ReadAllBytes(streamed));
        }
        finally
        {
            File.Delete(inMemory);
            File.Delete(streamed);
        }
    }

    [Fact]
    public void A_stream_out_of_order_or_of_another_length_is_refused()
    {
        var a = new KeyValuePair<StateKey, UInt256>(StateKey.Balance(Address.FromNumber(1)), UInt256.One);
        var b = new KeyValuePair<StateKey, UInt256>(StateKey.Balance(Address.FromNumber(2)), UInt256.One);
        string path = ChainTestFiles.TempFile();
        var disorder = Assert.Throws<InvalidOperationException>(() => ChainWriter.Write(path, ChainStart.FromSortedGenesis(2, () => [b, a]), []));
        Assert.Contains("key order", disorder.Message);
        Assert.Throws<InvalidOperationException>(() => ChainWriter.Write(path, ChainStart.FromSortedGenesis(2, () => [a, a]), []));
        Assert.Contains("only 1", Assert.Throws<InvalidOperationException>(() => ChainWriter.Write(path, ChainStart.FromSortedGenesis(2, () => [a]), [])).Message);
        Assert.Contains("more than 1", Assert.Throws<InvalidOperationException>(() => ChainWriter.Write(path, ChainStart.FromSortedGenesis(1, () => [a, b]), [])).Message);
        File.Delete(path);
    }
}
