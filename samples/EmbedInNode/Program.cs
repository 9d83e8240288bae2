// How a node embeds ParallelExec: blocks arrive on a channel, a node loop executes each one in
// parallel and commits it to a RocksDB state database (ChainState), then a reorganisation reverts
// the last two blocks and applies a competing branch. Every block is also executed sequentially on
// an in-memory reference chain; the sample fails (exit code 1) unless both give the same state root
// and the same block result. Usage: EmbedInNode [DIR] (default: a temporary folder, deleted after).
using System.Threading.Channels;
using EmbedInNode;
using ParallelExec.Execution;
using ParallelExec.Scheduling;
using ParallelExec.State;
using ParallelExec.Storage;
using ParallelExec.Storage.RocksDb;

var ballot = Address.Parse("0x00000000000000000000000000000000000ba110");
var beneficiary = Address.Parse("0x000000000000000000000000000000000000fee0");
string directory = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), $"embed-in-node-{Guid.NewGuid():N}");
bool temporary = args.Length == 0;

// Genesis: the ballot contract exists (its nonce stands in for deployed code).
var genesis = new InMemoryState();
genesis.Set(StateKey.Nonce(ballot), UInt256.One);

try
{
    // The node owns the store: it opens it, hands it to one ChainState and disposes it last.
    var store = RocksDbStateStore.Open(directory, new RocksDbStoreOptions { CreateIfMissing = true });
    var chain = ChainState.Create(store, genesis.Entries);
    var reference = ChainState.Create(new InMemoryStateStore(), genesis.Entries);
    Console.WriteLine($"genesis root {chain.Head.StateRoot}");

    // One executor for the node's lifetime: its workers are reused block after block.
    using var parallel = new ParallelExecutor(Math.Max(2, Environment.ProcessorCount));
    var sequential = new SequentialExecutor();
    var node = new Node(chain, reference, parallel, sequential);

    // The canonical branch: blocks 1..5 from the network.
    await node.Follow(Produce(ballot, beneficiary, first: 1, count: 5, branch: 1, parentHash: default));
    var canonicalHead = chain.Head;

    // A competing branch forks after block 3 and is heavier: revert 4 and 5, apply 4', 5', 6'.
    var fork = chain.Store.TryGetBlock(3, out var forkPoint) ? forkPoint : throw new InvalidOperationException("block 3 is not stored");
    var afterRevert = chain.Revert(2);
    reference.Revert(2);
    Console.WriteLine($"reorganisation: reverted {canonicalHead.Number - afterRevert.Number} blocks to {afterRevert}");
    Check(afterRevert == fork, $"revert ended at {afterRevert}, expected {fork}");
    await node.Follow(Produce(ballot, beneficiary, first: 4, count: 3, branch: 2, parentHash: fork.BlockHash));

    // Restart: the database alone is enough to carry on (the trie is rebuilt and checked against the head's root).
    var head = chain.Head;
    store.Dispose();
    using (var reopened = RocksDbStateStore.Open(directory))
    {
        var resumed = ChainState.Open(reopened);
        Check(resumed.Head == head, $"reopened at {resumed.Head}, expected {head}");
        Console.WriteLine($"reopened at {resumed.Head}");
        for (int p = 0; p < 8; p++)
        {
            resumed.Store.TryGet(VoteTransaction.Tally(ballot, p), out var tally);
            Console.WriteLine($"proposal {p}: {tally} votes");
        }
    }
    Console.WriteLine("all blocks equal to sequential execution");
    return 0;
}
catch (SampleCheckException e)
{
    Console.Error.WriteLine($"EmbedInNode: {e.Message}");
    return 1;
}
finally
{
    if (temporary && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
}

// Blocks as a network layer would deliver them: written to a bounded channel by another task. Each
// branch votes differently (its own seed), so the two branches end in different states.
static ChannelReader<(Block Block, Hash256 Hash)> Produce(Address ballot, Address beneficiary, long first, int count, int branch, Hash256 parentHash)
{
    var channel = Channel.CreateBounded<(Block, Hash256)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
    _ = Task.Run(async () =>
    {
        var random = new Random(branch);
        try
        {
            for (long number = first; number < first + count; number++)
            {
                // 2,000 votes per block from 5,000 voters over 8 proposals; some voters vote twice.
                var txs = new ITransaction[2_000];
                for (int i = 0; i < txs.Length; i++)
                    txs[i] = new VoteTransaction(ballot, Address.FromNumber((ulong)random.Next(5_000), tag: 0x77), random.Next(8));
                var block = new Block(new BlockHeader(number, beneficiary), txs);
                var hash = NodeBlockHash.Compute(parentHash, number, branch);
                await channel.Writer.WriteAsync((block, hash));
                parentHash = hash;
            }
            channel.Writer.Complete();
        }
        catch (Exception e)
        {
            channel.Writer.Complete(e);
        }
    });
    return channel.Reader;
}

static void Check(bool condition, string message)
{
    if (!condition) throw new SampleCheckException(message);
}
