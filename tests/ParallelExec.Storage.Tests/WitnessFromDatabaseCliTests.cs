using ParallelExec.Blocks;
using ParallelExec.Testing;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <c>replay --db --to N</c> stops a database at block N, and <c>witness --db</c> (block N+1 by default) writes from it
/// the file <c>witness</c> writes from the chain executed in memory, which <c>verify-stateless</c> proves; a
/// block that does not follow the head is one line and exit 1, nothing written. <c>replay --db --witnesses</c>
/// writes the same witness for every block as it replays them.
/// </summary>
public class WitnessFromDatabaseCliTests
{
    [Fact]
    public void A_database_replayed_to_a_block_gives_the_next_blocks_witness_as_memory_does()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var workload = Workload(blocks: 4, txs: 40, seed: 53, accounts: 60);
        var roots = ReferenceRoots(workload);
        ChainWriter.Write(chain, ChainStart.FromGenesis(workload.Genesis), workload.Blocks.Select(b => new ChainBlock(b, roots[b.Header.Number])));
        var db = dir.Sub("db");
        var cli = CliProcess.Built();

        var replay = CliProcess.Run(cli, "replay", chain, "--db", db, "--to", "2");
        Assert.True(replay.Code == 0, replay.Err);
        Assert.Contains("verified 2 of 2 blocks", replay.Out);
        var inMemory = CliProcess.Run(cli, "replay", chain, "--to", "2");
        Assert.True(inMemory.Code == 0, inMemory.Err);
        Assert.Contains("verified 2 of 2 blocks", inMemory.Out);

        // Without --block: the block after the database's head.
        var fromDb = CliProcess.Run(cli, "witness", chain, "--db", db, "-o", dir.Sub("db.bin"));
        Assert.True(fromDb.Code == 0, fromDb.Err);
        var fromMemory = CliProcess.Run(cli, "witness", chain, "--block", "3", "-o", dir.Sub("memory.bin"));
        Assert.True(fromMemory.Code == 0, fromMemory.Err);
        Assert.Equal(File.ReadAllBytes(dir.Sub("memory.bin")), File.ReadAllBytes(dir.Sub("db.bin")));
        // The same report but the execution's time.
        Assert.Equal(fromMemory.Out.Split('\n')[..2], fromDb.Out.Split('\n')[..2]);
        Assert.Contains($"pre-state root {roots[2]}, post-state root {roots[3]}", fromDb.Out);

        var verified = CliProcess.Run(cli, "verify-stateless", "--pre-root", roots[2].ToString(), "--block", $"{chain}:3", "--witness", dir.Sub("db.bin"));
        Assert.True(verified.Code == 0, verified.Err);
        Assert.Contains($"proven: block 3 takes {roots[2]} to {roots[3]}", verified.Out);

        var refused = CliProcess.Run(cli, "witness", chain, "--block", "4", "--db", db, "-o", dir.Sub("refused.bin"));
        Assert.Equal(1, refused.Code);
        Assert.Equal("parallelexec witness: the database is at block 2: block 4's witness is made from the state after block 3 (replay --db --to 3 takes it there)", refused.Err.Trim());
        Assert.False(File.Exists(dir.Sub("refused.bin")));
        var missing = CliProcess.Run(cli, "witness", chain, "--block", "3", "--db", dir.Sub("none"), "-o", dir.Sub("none.bin"));
        Assert.Equal(1, missing.Code);
        Assert.Equal($"parallelexec witness: --db {dir.Sub("none")}: no such database folder", missing.Err.Trim());
        Assert.False(Directory.Exists(dir.Sub("none")), "a witness made a database");
        var unnamed = CliProcess.Run(cli, "witness", chain, "-o", dir.Sub("unnamed.bin"));
        Assert.Equal(1, unnamed.Code);
        Assert.Equal("parallelexec witness: --block is required (without --db there is no head to follow)", unnamed.Err.Trim());

        using (var store = OpenRocks(db, create: false)) Assert.Equal(2, store.Head.Number);

        // A replay that writes every block's witness as it goes: block 3's is the same file again.
        var prover = CliProcess.Run(cli, "replay", chain, "--db", dir.Sub("prover"), "--witnesses", dir.Sub("witnesses"));
        Assert.True(prover.Code == 0, prover.Err);
        Assert.Contains($"witnesses: 4 written to {dir.Sub("witnesses")}", prover.Out.ReplaceLineEndings(" ").Replace("  ", " ")); // prose, folded at spaces
        Assert.Equal(File.ReadAllBytes(dir.Sub("memory.bin")), File.ReadAllBytes(Path.Combine(dir.Sub("witnesses"), "witness-3.bin")));
        var inMemory2 = CliProcess.Run(cli, "replay", chain, "--witnesses", dir.Sub("w2"));
        Assert.Equal(1, inMemory2.Code);
        Assert.Equal("parallelexec replay: --witnesses needs --db", inMemory2.Err.Trim());
    }
}
