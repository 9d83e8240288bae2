// A node's own transaction type (NameRegistration) with its own storage layout and a chain-file codec
// (NameRegistrationCodec): blocks are written to a chain file, recorded with the parallel executor
// (state roots and dependency graphs), analysed, and replayed sequentially with verification, so every
// parallel root is checked against the sequential reference. Exit code 1 on any difference.
// Usage: CustomTransaction [DIR] — writes DIR/names.pxb and keeps it (the CLI can then work on it:
// parallelexec replay DIR/names.pxb --verify --codec-assembly CustomTransaction.dll); without DIR a
// temporary folder is used and deleted.
using CustomTransaction;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;

const int Owners = 400, Names = 1_500, Blocks = 4, PerBlock = 1_000;
string directory = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), $"custom-transaction-{Guid.NewGuid():N}");
bool temporary = args.Length == 0;
Directory.CreateDirectory(directory);
string path = Path.Combine(directory, "names.pxb");

try
{
    // Chain files of this node carry the built-in kinds and NameRegistration.
    var registry = TransactionCodecRegistry.CreateDefault().Register(new NameRegistrationCodec());

    // Genesis: every owner can pay for a few names; the registry account exists.
    var genesis = new InMemoryState();
    genesis.Set(StateKey.Nonce(NameRegistration.Registry), UInt256.One);
    for (int o = 0; o < Owners; o++) genesis.Set(StateKey.Balance(Owner(o)), new UInt256(5_000));

    // Popular names are wanted by several owners in the same block: those registrations conflict.
    var random = new Random(7);
    var beneficiary = Address.Parse("0x000000000000000000000000000000000000fee0");
    var blocks = new List<ChainBlock>();
    for (int number = 1; number <= Blocks; number++)
    {
        var txs = new ITransaction[PerBlock];
        for (int i = 0; i < txs.Length; i++)
        {
            int name = random.Next(4) == 0 ? random.Next(20) : random.Next(Names);
            txs[i] = new NameRegistration(Owner(random.Next(Owners)), $"name-{name}.node");
        }
        blocks.Add(new ChainBlock(new Block(new BlockHeader(number, beneficiary), txs)));
    }
    ChainWriter.Write(path, ChainStart.FromGenesis(genesis), blocks, registry);

    // Record: executes with the parallel executor and stores each block's root and dependency graph.
    var recorded = ChainRecorder.Record(path, workers: Math.Max(2, Environment.ProcessorCount), registry);
    Console.WriteLine($"recorded {recorded.Blocks} blocks ({recorded.Transactions} registrations) with {recorded.Workers} workers: " +
                      $"{recorded.Reexecutions} re-executions, final root {recorded.FinalRoot}");

    // Analyse the recorded dependency graphs.
    var analysis = ChainAnalyzer.Analyze(path, registry);
    Console.WriteLine($"dependency graphs: {analysis.Edges} edges, {analysis.DependentShare:P1} of registrations depend on an earlier one, " +
                      $"speed-up limit on 4 cores {analysis.SpeedupLimit(4):F2}x");
    Console.WriteLine($"hottest key: {analysis.HottestKeys[0].Key} ({analysis.HottestKeys[0].Transactions} registrations)");

    // Replay sequentially, comparing every block's root with the one the parallel executor recorded.
    var replayed = ChainReplayer.Replay(path, new ReplayOptions { Sequential = true, Verify = true }, registry);
    if (!replayed.Success) throw new InvalidOperationException($"sequential replay differs from the parallel recording: {replayed.Mismatch}");
    if (replayed.VerifiedBlocks != Blocks) throw new InvalidOperationException($"{replayed.VerifiedBlocks} of {Blocks} blocks were verified");
    Console.WriteLine($"sequential replay: {replayed.VerifiedBlocks} of {Blocks} roots equal to the parallel recording, final root {replayed.FinalRoot}");
    return 0;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"CustomTransaction: {e.Message}");
    return 1;
}
finally
{
    if (temporary) Directory.Delete(directory, recursive: true);
}

static Address Owner(int index) => Address.FromNumber((ulong)index, tag: 0x0a);
