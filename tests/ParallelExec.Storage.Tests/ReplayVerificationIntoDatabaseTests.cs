using ParallelExec.Blocks;
using ParallelExec.State;
using ParallelExec.Testing;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// <c>parallelexec replay --db</c> never commits a block whose recorded root differs: with a rewritten
/// root in block 3 (checksums fixed, so only verification sees it) and no option asking for
/// verification, the database stops at block 2 and the replay fails (exit 2); <c>--no-verify</c> cannot
/// be combined with <c>--db</c>.
/// </summary>
public class ReplayVerificationIntoDatabaseTests
{
    [Fact]
    public void A_block_whose_recorded_root_differs_is_never_committed()
    {
        using var dir = new TempDir();
        var chain = dir.Sub("chain.pxb");
        var workload = Workload(blocks: 4, txs: 30, seed: 12, accounts: 60);
        var expected = ReferenceRoots(workload);
        var forged = new Hash256(Enumerable.Repeat((byte)0x5A, 32).ToArray());
        ChainWriter.Write(chain, ChainStart.FromGenesis(workload.Genesis),
            workload.Blocks.Select((b, i) => new ChainBlock(b, b.Header.Number == 3 ? forged : expected[b.Header.Number])));
        var db = dir.Sub("db");

        var (code, _, stderr) = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", db, "--json");

        Assert.Equal(2, code);
        Assert.Contains("not committed; the database stays at block 2", stderr);
        using (var store = OpenRocks(db, create: false))
        {
            Assert.Equal(2, store.Head.Number);
            Assert.Equal(expected[2], store.Head.StateRoot);
        }

        var skip = CliProcess.Run(CliProcess.Built(), "replay", chain, "--db", db, "--no-verify");
        Assert.Equal(1, skip.Code);
        Assert.StartsWith("parallelexec replay: --no-verify cannot be combined with --db", skip.Err);
        using var unchanged = OpenRocks(db, create: false);
        Assert.Equal(2, unchanged.Head.Number);
    }
}
