using System.Text.Json;
using ParallelExec.Blocks;
using ParallelExec.Testing;
using ParallelExec.Tests.Blocks;

namespace ParallelExec.Tests.Batches;

/// <summary>Runs the built CLI's <c>batch encode</c> and <c>batch decode</c> on small chain files.</summary>
public class BatchCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests (src/ParallelExec.Cli/bin/<configuration>/net10.0)");
        return CliProcess.Run(cli, args);
    }

    private static void AssertOneLineError((int Code, string Out, string Err) run, string startsWith)
    {
        Assert.Equal(1, run.Code);
        Assert.Single(run.Err.TrimEnd().Split('\n'));
        Assert.StartsWith(startsWith, run.Err);
        Assert.DoesNotContain("   at ", run.Err);
    }

    [Fact]
    public void Encode_then_decode_gives_back_the_chain_file_byte_for_byte_and_a_range_from_its_parent_root()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pxbatch-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string chain = Path.Combine(dir, "c.pxb"), batch = Path.Combine(dir, "c.pxbatch"), back = Path.Combine(dir, "back.pxb");
            Assert.Equal(0, Run("gen", "--workload", "mixed", "--accounts", "200", "--txs", "80", "--blocks", "3", "--seed", "4", "--hints", "unreliable", "-o", chain).Code);
            var encode = Run("batch", "encode", chain, "-o", batch, "--json");
            Assert.True(encode.Code == 0, encode.Err);
            var json = JsonDocument.Parse(encode.Out).RootElement;
            Assert.Equal(240, json.GetProperty("transactions").GetInt32());
            Assert.Equal(new FileInfo(batch).Length, json.GetProperty("bytes").GetInt64());
            Assert.True(json.GetProperty("chainFile").GetProperty("bytesPerTx").GetDouble() > 3 * json.GetProperty("bytesPerTx").GetDouble());
            var decode = Run("batch", "decode", batch, "-o", back, "--genesis", chain);
            Assert.True(decode.Code == 0, decode.Err);
            Assert.Equal(File.ReadAllBytes(chain), File.ReadAllBytes(back)); // genesis, blocks, transactions, hints: all of it

            // Recorded roots travel: the decoded chain verifies every block's root on replay.
            Assert.Equal(0, Run("record", chain).Code);
            Assert.Equal(0, Run("batch", "encode", chain, "-o", batch, "--force").Code);
            Assert.Equal(0, Run("batch", "decode", batch, "-o", back, "--genesis", chain, "--force").Code);
            var replay = Run("replay", back, "--verify", "--json");
            Assert.True(replay.Code == 0, replay.Err);
            Assert.Equal(3, JsonDocument.Parse(replay.Out).RootElement.GetProperty("verifiedBlocks").GetInt32());

            // A range starts from the root recorded before its first block.
            string range = Path.Combine(dir, "r.pxbatch"), rangeBack = Path.Combine(dir, "r.pxb");
            var text = Run("batch", "encode", chain, "-o", range, "--blocks", "2..3");
            Assert.True(text.Code == 0, text.Err);
            Assert.Contains("B/tx", text.Out);
            Assert.Contains("Brotli q11", text.Out);
            AssertOneLineError(Run("batch", "decode", range, "-o", rangeBack),
                $"parallelexec batch decode: {range}: the batch names accounts by their position in its chain's genesis");
            Assert.Equal(0, Run("batch", "decode", range, "-o", rangeBack, "--genesis", chain).Code);
            using var original = ChainReader.Open(chain);
            var recorded = original.ReadBlocks().ToList();
            using var decoded = ChainReader.Open(rangeBack);
            Assert.Equal(ChainStartKind.ParentRoot, decoded.Start.Kind);
            Assert.Equal(recorded[0].ExpectedRoot, decoded.Start.ParentRoot);
            BatchTestBlocks.AssertSame(recorded.Skip(1).Select(b => new ChainBlock(b.Block, b.ExpectedRoot)).ToList(), decoded.ReadBlocks().ToList(), "range 2..3");

            // Self-contained: every address in the batch's table, no genesis needed.
            string table = Path.Combine(dir, "t.pxbatch"), tableBack = Path.Combine(dir, "t.pxb");
            Assert.Equal(0, Run("batch", "encode", chain, "-o", table, "--addresses", "table").Code);
            Assert.Equal(0, Run("batch", "decode", table, "-o", tableBack).Code);
            using var fromTable = ChainReader.Open(tableBack);
            Assert.Equal(ChainStartKind.ParentRoot, fromTable.Start.Kind);
            BatchTestBlocks.AssertSame(recorded.Select(b => new ChainBlock(b.Block, b.ExpectedRoot)).ToList(), fromTable.ReadBlocks().ToList(), "table only");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_bad_batch_file_gets_one_line_naming_the_file_and_where_and_exit_code_1()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pxbatch-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string chain = Path.Combine(dir, "c.pxb"), batch = Path.Combine(dir, "c.pxbatch"), back = Path.Combine(dir, "back.pxb");
            File.WriteAllBytes(chain, ChainTestFiles.Bytes(ChainTestFiles.Workload()));
            Assert.Equal(0, Run("batch", "encode", chain, "-o", batch, "--addresses", "table").Code);
            var bytes = File.ReadAllBytes(batch);
            bytes[bytes.Length / 2] ^= 0x21;
            File.WriteAllBytes(batch, bytes);
            AssertOneLineError(Run("batch", "decode", batch, "-o", back), $"parallelexec batch decode: {batch}: batch header at byte {bytes.Length - 4}: checksum mismatch");
            File.WriteAllBytes(batch, bytes[..50]);
            AssertOneLineError(Run("batch", "decode", batch, "-o", back), $"parallelexec batch decode: {batch}: batch header at byte 50: truncated");
            AssertOneLineError(Run("batch", "decode", chain, "-o", back), $"parallelexec batch decode: {chain}: batch header at byte 0: not a batch (bad magic)");
            AssertOneLineError(Run("batch", "decode", Path.Combine(dir, "none.pxbatch"), "-o", back), "parallelexec batch decode: ");
            AssertOneLineError(Run("batch", "encode", chain, "-o", batch, "--blocks", "9..12", "--force"), "parallelexec batch encode: --blocks 9..12:");
            Assert.False(File.Exists(back));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
