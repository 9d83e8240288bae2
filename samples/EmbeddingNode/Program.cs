// How a node embeds ParallelExec: its own transaction type, a parallel executor checked against
// the sequential reference, and an Ethereum state root per block over an in-memory store.
using EmbeddingNode;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Storage;

var ballot = Address.Parse("0x00000000000000000000000000000000000ba110");
var beneficiary = Address.Parse("0x000000000000000000000000000000000000fee0");
var random = new Random(42);

// Genesis: the ballot contract exists (its code hash stands in for deployed code).
var genesis = new InMemoryState();
genesis.Set(StateKey.Nonce(ballot), UInt256.One);
var chain = ChainState.Create(new InMemoryStateStore(), genesis.Entries);
Console.WriteLine($"genesis root {chain.Head.StateRoot}");

using var parallel = new ParallelExecutor(Environment.ProcessorCount);
var sequential = new SequentialExecutor();
for (int number = 1; number <= 3; number++)
{
    // 5,000 votes per block from 20,000 voters over 8 proposals; some voters vote twice.
    var txs = new ITransaction[5_000];
    for (int i = 0; i < txs.Length; i++)
        txs[i] = new VoteTransaction(ballot, Address.FromNumber((ulong)random.Next(20_000), tag: 0x77), random.Next(8));
    var block = new Block(new BlockHeader(number, beneficiary), txs);

    // The reference result over the same starting state (a node would do this only in tests).
    var expected = sequential.Execute(block, chain.Store);
    var committed = chain.Execute(block, blockHash: default, parallel);
    var difference = expected.DescribeFirstDifference(committed.Result);
    if (difference is not null) throw new InvalidOperationException($"block {number}: parallel differs: {difference}");

    int failed = committed.Result.Receipts.Count(r => !r.Success);
    Console.WriteLine($"block {number}: {txs.Length} votes, {failed} rejected (already voted), " +
                      $"{committed.Result.Stats.Reexecutions} re-executions, root {committed.Block.StateRoot}");
}

for (int p = 0; p < 8; p++)
{
    chain.Store.TryGet(VoteTransaction.Tally(ballot, p), out var tally);
    Console.WriteLine($"proposal {p}: {tally} votes");
}
