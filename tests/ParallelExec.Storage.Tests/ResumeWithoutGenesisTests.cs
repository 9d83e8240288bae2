using ParallelExec.Blocks;
using ParallelExec.Testing;
using static ParallelExec.Storage.Tests.StorageTestSupport;

namespace ParallelExec.Storage.Tests;

/// <summary>
/// Resuming a database, or making the witness of its next block, compares the chain file's genesis
/// with the database's by digest alone: a version-3 file gives it in its end record, so its genesis is
/// never read — shown by damaging a genesis byte after the database was made, which a resume and a
/// witness of this version's file do not notice and the same file in version 2 (read and checked to
/// compute the digest) refuses, naming the checksum. Another chain's file is still refused.
/// </summary>
public class ResumeWithoutGenesisTests
{
    [Fact]
    public void A_damaged_genesis_is_never_read_by_a_resume_or_a_witness_of_a_version_3_file()
    {
        using var dir = new TempDir();
        var workload = Workload(blocks: 4, txs: 30, seed: 61, accounts: 60);
        var roots = ReferenceRoots(workload);
        using var stream = new MemoryStream();
        using (var writer = new ChainWriter(stream, ChainStart.FromGenesis(workload.Genesis), leaveOpen: true))
        {
            foreach (var block in workload.Blocks) writer.WriteBlock(new ChainBlock(block, roots[block.Header.Number]));
            writer.Complete();
        }
        var current = stream.ToArray();
        var cli = CliProcess.Built();
        foreach (ushort version in new ushort[] { ChainFormat.Version, 2 })
        {
            var bytes = version == ChainFormat.Version ? (byte[])current.Clone() : OlderChainFiles.AsVersion(current, version);
            var chain = dir.Sub($"v{version}.pxb");
            var db = dir.Sub($"db{version}");
            File.WriteAllBytes(chain, bytes);
            var first = CliProcess.Run(cli, "replay", chain, "--db", db, "--to", "2");
            Assert.True(first.Code == 0, first.Err);

            bytes[ChainFormat.FileHeaderSize + 8 + 5] ^= 0x01; // a byte of the first genesis entry's address
            File.WriteAllBytes(chain, bytes);
            var witness = CliProcess.Run(cli, "witness", chain, "--block", "3", "--db", db, "-o", dir.Sub($"w{version}.bin"));
            var resumed = CliProcess.Run(cli, "replay", chain, "--db", db);
            if (version == ChainFormat.Version)
            {
                Assert.True(witness.Code == 0, witness.Err);
                Assert.Contains($"post-state root {roots[3]}", witness.Out);
                Assert.True(resumed.Code == 0, resumed.Err);
                Assert.Contains("verified 2 of 2 blocks", resumed.Out);
            }
            else
            {
                Assert.Equal(1, witness.Code);
                Assert.Contains("starting-state checksum mismatch", witness.Err);
                Assert.Equal(1, resumed.Code);
                Assert.Contains("starting-state checksum mismatch", resumed.Err);
            }
            using var store = OpenRocks(db, create: false);
            Assert.Equal(version == ChainFormat.Version ? 4 : 2, store.Head.Number);
            Assert.Equal(roots[store.Head.Number], store.Head.StateRoot);
        }

        // The digest still tells chains apart: another chain's file, its genesis not read either.
        var other = Workload(blocks: 4, txs: 30, seed: 62, accounts: 61);
        var otherChain = dir.Sub("other.pxb");
        ChainWriter.Write(otherChain, ChainStart.FromGenesis(other.Genesis), other.Blocks.Select(b => new ChainBlock(b)));
        var refused = CliProcess.Run(cli, "replay", otherChain, "--db", dir.Sub($"db{ChainFormat.Version}"));
        Assert.Equal(1, refused.Code);
        Assert.Contains("the database holds another chain: its genesis was created from entries with digest", refused.Err);
    }
}
