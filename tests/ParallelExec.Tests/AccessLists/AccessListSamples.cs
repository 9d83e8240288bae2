using ParallelExec.AccessLists;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Tests.Execution;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.AccessLists;

/// <summary>Seeded blocks with their starting states, for recording access lists from.</summary>
internal static class AccessListSamples
{
    /// <summary>A random scripted block (reads, writes, credits, failures, throws) over a random start state.</summary>
    public static (Block Block, InMemoryState State) Scripted(int seed, int maxTxs = 120)
    {
        var random = new Random(seed);
        int keySpace = random.Next(1, 60);
        var block = ScriptedTransaction.RandomBlock(random, random.Next(1, maxTxs), keySpace, withHints: false);
        var state = new InMemoryState();
        var contract = Address.FromNumber(7, tag: 0xC0);
        for (int k = 0; k < keySpace; k += 2)
        {
            var key = k % 5 == 4 ? StateKey.Balance(Address.FromNumber((ulong)k, tag: 0xA0)) : StateKey.Storage(contract, (ulong)k);
            state.Set(key, random.Next(20) == 0 ? UInt256.MaxValue - new UInt256((ulong)random.Next(5)) : new UInt256((ulong)random.Next(1000)));
        }
        return (block, state);
    }

    /// <summary>The blocks of one built-in workload, each with the state it starts from.</summary>
    public static IEnumerable<(Block Block, InMemoryState State)> Workload(WorkloadKind kind, int seed, int txs, int blocks = 2)
    {
        var workload = WorkloadGenerator.Generate(new WorkloadOptions
        {
            Kind = kind, Accounts = 200, TransactionsPerBlock = txs, Blocks = blocks, Seed = (ulong)seed,
        });
        var state = workload.Genesis.Clone();
        var sequential = new SequentialExecutor();
        foreach (var block in workload.Blocks)
        {
            yield return (block, state.Clone());
            state.Apply(sequential.Execute(block, state).Changes);
        }
    }

    /// <summary>Every built-in workload kind, for theories.</summary>
    public static TheoryData<WorkloadKind> WorkloadKinds => new(Enum.GetValues<WorkloadKind>());

    /// <summary>Seeds from PARALLELEXEC_SEED when set (rerun one case), else <paramref name="count"/> from <paramref name="offset"/>.</summary>
    public static IEnumerable<int> Seeds(int count, int offset)
    {
        var fixedSeed = Environment.GetEnvironmentVariable("PARALLELEXEC_SEED");
        return fixedSeed is not null ? [int.Parse(fixedSeed)] : Enumerable.Range(offset, count);
    }

    public static BlockAccessList Record(Block block, IStateReader state) =>
        new SequentialExecutor().Execute(block, state, new ExecutionOptions { RecordAccessList = true }).AccessList!;
}
