using System.Buffers.Binary;
using ParallelExec.AccessLists;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.Testing;
using System.Text.Json;

namespace ParallelExec.Tests.Blocks;

/// <summary>
/// Access lists in chain files (format version 2): they round-trip, a corrupt one is named in one line,
/// version 1 files still read, and the CLI records, prints and sizes them.
/// </summary>
public sealed class ChainAccessListTests
{
    private static byte[] RecordedFile(out List<BlockAccessList> lists)
    {
        var workload = ChainTestFiles.Workload();
        var state = workload.Genesis.Clone();
        var executor = new SequentialExecutor();
        var recorded = new List<BlockAccessList>();
        foreach (var block in workload.Blocks)
        {
            var result = executor.Execute(block, state, new ExecutionOptions { RecordAccessList = true });
            recorded.Add(result.AccessList!);
            state.Apply(result.Changes);
        }
        lists = recorded;
        return ChainTestFiles.Bytes(workload, (i, b) => b.WithRecord(default, null, recorded[i]));
    }

    [Fact]
    public void Access_lists_round_trip_through_a_chain_file()
    {
        var file = RecordedFile(out var lists);
        var blocks = ChainTestFiles.ReadAll(file);
        Assert.Equal(lists.Count, blocks.Count);
        for (int i = 0; i < blocks.Count; i++) Assert.Equal(lists[i].Encode(), blocks[i].AccessList!.Encode());
        Assert.All(lists, l => Assert.True(l.ChangeCount > 0));
    }

    [Fact]
    public void A_reader_told_not_to_decode_the_lists_steps_over_them()
    {
        var file = RecordedFile(out var lists);
        var decoded = ChainTestFiles.ReadAll(file);
        var skipped = ChainTestFiles.ReadAll(file, options: new ChainReaderOptions { DecodeAccessLists = false });
        Assert.Equal(decoded.Count, skipped.Count);
        for (int i = 0; i < decoded.Count; i++)
        {
            Assert.Null(skipped[i].AccessList);
            Assert.NotNull(decoded[i].AccessList);
            Assert.Equal(decoded[i].Number, skipped[i].Number);
            Assert.Equal(decoded[i].Transactions.Count, skipped[i].Transactions.Count);
            Assert.Equal(ParallelExec.Storage.BlockHash.Compute(decoded[i]), ParallelExec.Storage.BlockHash.Compute(skipped[i])); // the same transactions, byte for byte
        }
        // A list it does not read is not checked either (the record's checksum still covers its bytes).
        var offsets = ChainTestFiles.RecordOffsets(file);
        var rlp = lists[1].Encode();
        int at = file.AsSpan().IndexOf(rlp);
        var bytes = (byte[])file.Clone();
        bytes[at + rlp.Length / 2] ^= 0x01;
        ChainTestFiles.FixCrc(bytes, offsets[1]);
        Assert.Equal(decoded.Count, ChainTestFiles.ReadAll(bytes, options: new ChainReaderOptions { DecodeAccessLists = false }).Count);
        Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(bytes));
    }

    [Fact]
    public void A_corrupt_access_list_or_hash_is_named_in_one_line()
    {
        var file = RecordedFile(out var lists);
        var offsets = ChainTestFiles.RecordOffsets(file);
        var rlp = lists[1].Encode();
        int at = file.AsSpan().IndexOf(rlp);
        Assert.True(at > offsets[1], "the second block's access list is not in its record");
        foreach (var (offset, expected) in new[] { (at + rlp.Length / 2, "hash mismatch"), (at + rlp.Length + 5, "hash mismatch"), (at, "malformed RLP") })
        {
            var bytes = (byte[])file.Clone();
            bytes[offset] ^= 0x01;
            if (expected == "malformed RLP")
            {
                // Break the RLP itself and store its matching hash, so the decoder has to catch it.
                bytes[offset] = 0x01;
                ParallelExec.Crypto.Keccak256.Compute(bytes.AsSpan(at, rlp.Length)).WriteTo(bytes.AsSpan(at + rlp.Length));
            }
            ChainTestFiles.FixCrc(bytes, offsets[1]);
            var e = Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(bytes));
            Assert.Contains(expected, e.Message);
            Assert.Equal(2, e.BlockNumber);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void Version_1_files_still_read_and_may_not_carry_access_lists()
    {
        var plain = ChainTestFiles.Bytes(ChainTestFiles.Workload());
        var expected = ChainTestFiles.ReadAll(plain);
        var v1 = AsVersion1(plain);
        var blocks = ChainTestFiles.ReadAll(v1);
        Assert.Equal(expected.Count, blocks.Count);
        Assert.All(blocks, b => Assert.Null(b.AccessList));
        using (var reader = new ChainReader(new MemoryStream(v1))) Assert.Equal(1, reader.Version);

        var withLists = AsVersion1(RecordedFile(out _));
        Assert.Contains("unknown block flags", Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(withLists)).Message);
    }

    private static byte[] AsVersion1(byte[] file) => OlderChainFiles.AsVersion(file, 1);

    [Fact]
    public void Record_then_bal_and_analyze_through_the_cli()
    {
        var cli = RepositoryPaths.BuiltCli();
        Assert.True(cli is not null, "the CLI was not built next to the tests");
        var path = ChainTestFiles.TempFile();
        try
        {
            Assert.Equal(0, CliProcess.Run(cli, "gen", "--workload", "mixed", "--accounts", "40", "--txs", "20", "--blocks", "2", "--seed", "4", "-o", path).Code);
            var before = CliProcess.Run(cli, "bal", path, "--block", "1");
            Assert.Equal(1, before.Code);
            Assert.StartsWith("parallelexec bal: ", before.Err);
            Assert.Contains("block 1 has no recorded access list", before.Err);
            Assert.Equal(0, CliProcess.Run(cli, "record", path, "--workers", "3", "--json").Code);

            var bal = CliProcess.Run(cli, "bal", path, "--block", "2", "--json");
            Assert.True(bal.Code == 0, bal.Err);
            var json = JsonDocument.Parse(bal.Out).RootElement;
            var fromJson = BlockAccessList.FromJson(json.GetProperty("accessList").GetRawText());
            var rlp = Convert.FromHexString(json.GetProperty("rlp").GetString()![2..]);
            Assert.Equal(rlp, fromJson.Encode());
            Assert.Equal(json.GetProperty("hash").GetString(), BlockAccessList.Decode(rlp).ComputeHash().ToString());
            Assert.Equal(rlp.Length, json.GetProperty("bytes").GetInt32());
            using (var reader = ChainReader.Open(path))
            {
                reader.ReadNext();
                Assert.Equal(rlp, reader.ReadNext()!.AccessList!.Encode());
            }

            var text = CliProcess.Run(cli, "bal", path, "--block", "1");
            Assert.True(text.Code == 0, text.Err);
            Assert.Contains("\"storageChanges\"", text.Out);
            Assert.Contains("hash: 0x", text.Out);

            // bal never uses the genesis: it steps over it unchecked (a damaged genesis byte changes nothing),
            // where analyze, which executes from it, refuses the file.
            var damaged = ChainTestFiles.TempFile();
            try
            {
                var bytes = File.ReadAllBytes(path);
                bytes[ChainFormat.FileHeaderSize + 8 + 5] ^= 0x01; // a byte of the first genesis entry's address
                File.WriteAllBytes(damaged, bytes);
                var stepped = CliProcess.Run(cli, "bal", damaged, "--block", "2", "--json");
                Assert.True(stepped.Code == 0, stepped.Err);
                Assert.Equal(bal.Out, stepped.Out);
                var refused = CliProcess.Run(cli, "analyze", damaged);
                Assert.Equal(1, refused.Code);
                Assert.Contains("starting-state checksum mismatch", refused.Err);
            }
            finally
            {
                File.Delete(damaged);
            }

            var missing = CliProcess.Run(cli, "bal", path, "--block", "7");
            Assert.Equal(1, missing.Code);
            Assert.Equal($"parallelexec bal: --block 7: {path} has no such block", missing.Err.Trim());

            var analyze = CliProcess.Run(cli, "analyze", path, "--json");
            Assert.True(analyze.Code == 0, analyze.Err);
            var total = JsonDocument.Parse(analyze.Out).RootElement.GetProperty("total");
            var blocks = JsonDocument.Parse(analyze.Out).RootElement.GetProperty("blocks");
            Assert.Equal(rlp.Length, blocks[1].GetProperty("accessListBytes").GetInt32());
            Assert.Equal(total.GetProperty("accessListBytes").GetInt64(), blocks[0].GetProperty("accessListBytes").GetInt64() + rlp.Length);
            Assert.Equal(Math.Round(rlp.Length / 20.0, 2), blocks[1].GetProperty("accessListBytesPerTx").GetDouble());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
