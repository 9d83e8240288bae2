using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Transactions;
using ParallelExec.Workloads;

namespace ParallelExec.Tests.Blocks;

public class ChainRoundTripTests
{
    [Theory]
    [InlineData(WorkloadKind.Mixed, HintMode.Exact)]
    [InlineData(WorkloadKind.Mixed, HintMode.Unreliable)]
    [InlineData(WorkloadKind.Amm, HintMode.None)]
    [InlineData(WorkloadKind.Hot, HintMode.None)]
    public void Decoded_blocks_reencode_to_the_same_bytes_and_execute_identically(WorkloadKind kind, HintMode hints)
    {
        var workload = ChainTestFiles.Workload(kind, hints: hints);
        var bytes = ChainTestFiles.Bytes(workload);
        using var reader = new ChainReader(new MemoryStream(bytes));
        Assert.Equal(ChainStartKind.Genesis, reader.Start.Kind);
        Assert.Equal(workload.Genesis.Entries.OrderBy(e => e.Key), reader.Start.Genesis!.Entries.OrderBy(e => e.Key));
        var blocks = reader.ReadBlocks().ToList();
        Assert.Equal(workload.Blocks.Length, blocks.Count);

        var again = ChainTestFiles.Bytes(new Workload(workload.Options, reader.Start.Genesis, blocks.Select(b => b.Block).ToArray()));
        Assert.Equal(bytes, again);

        var s1 = workload.Genesis.Clone();
        var s2 = reader.Start.Genesis.Clone();
        var executor = new SequentialExecutor();
        for (int i = 0; i < blocks.Count; i++)
        {
            var original = executor.Execute(workload.Blocks[i], s1);
            var decoded = executor.Execute(blocks[i].Block, s2);
            Assert.Equal(original.ComputeDigest(), decoded.ComputeDigest());
            s1.Apply(original.Changes);
            s2.Apply(decoded.Changes);
            for (int t = 0; t < blocks[i].Transactions.Count; t++)
            {
                var a = workload.Blocks[i].Transactions[t].Hints;
                var b = blocks[i].Transactions[t].Hints;
                Assert.Equal(a is null, b is null);
                if (a is not null) { Assert.Equal(a.Reads, b!.Reads); Assert.Equal(a.Writes, b.Writes); }
            }
        }
    }

    [Fact]
    public void Gen_record_replay_verify_gives_the_same_roots_sequential_and_parallel()
    {
        var path = ChainTestFiles.TempFile();
        try
        {
            var workload = ChainTestFiles.Workload(blocks: 4, txs: 60, hints: HintMode.None);
            File.WriteAllBytes(path, ChainTestFiles.Bytes(workload));
            var unverified = ChainReplayer.Replay(path, new ReplayOptions { Sequential = true, Verify = true });
            Assert.Equal(4, unverified.UnrecordedBlocks);

            var recorded = ChainRecorder.Record(path, workers: 3);
            Assert.Equal(4, recorded.Blocks);
            Assert.Equal(unverified.FinalRoot, recorded.FinalRoot);

            var seqRoots = new List<Hash256>();
            var parRoots = new List<Hash256>();
            var sequential = ChainReplayer.Replay(path, new ReplayOptions { Sequential = true, Verify = true }, onBlock: r => seqRoots.Add(r.Root));
            var parallel = ChainReplayer.Replay(path, new ReplayOptions { Workers = 4, Verify = true }, onBlock: r => parRoots.Add(r.Root));
            Assert.True(sequential.Success);
            Assert.True(parallel.Success);
            Assert.Equal(4, sequential.VerifiedBlocks);
            Assert.Equal(4, parallel.VerifiedBlocks);
            Assert.Equal(seqRoots, parRoots);
            Assert.Equal(sequential.FinalRoot, parallel.FinalRoot);
            Assert.Equal(240, parallel.Transactions);

            using var reader = ChainReader.Open(path);
            var blocks = reader.ReadBlocks().ToList();
            Assert.All(blocks, b => Assert.NotNull(b.Dependencies));
            Assert.Equal(seqRoots, blocks.Select(b => b.ExpectedRoot));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}*.tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_tampered_transaction_is_caught_by_verify_at_its_block()
    {
        var path = ChainTestFiles.TempFile();
        try
        {
            var workload = ChainTestFiles.Workload(WorkloadKind.P2p, blocks: 4, txs: 30, hints: HintMode.None);
            File.WriteAllBytes(path, ChainTestFiles.Bytes(workload));
            ChainRecorder.Record(path, workers: 2);

            // Rewrite block 3 with one transfer's value changed (checksums valid: only verify can tell).
            List<ChainBlock> blocks;
            ChainStart start;
            using (var reader = ChainReader.Open(path)) { start = reader.Start; blocks = reader.ReadBlocks().ToList(); }
            var victim = blocks[2];
            var txs = victim.Transactions.ToArray();
            var t = (ValueTransfer)txs[7];
            txs[7] = new ValueTransfer(t.Sender, t.Nonce, t.GasPrice, t.To, t.Value + 1, t.Work);
            blocks[2] = new ChainBlock(new Block(victim.Header, txs), victim.ExpectedRoot, victim.Dependencies);
            ChainWriter.Write(path, start, blocks);

            foreach (var options in new[] { new ReplayOptions { Sequential = true, Verify = true }, new ReplayOptions { Workers = 3, Verify = true } })
            {
                int seen = 0;
                var report = ChainReplayer.Replay(path, options, onBlock: _ => seen++);
                Assert.False(report.Success);
                Assert.Equal(3, report.Mismatch!.BlockNumber);
                Assert.Equal(victim.ExpectedRoot, report.Mismatch.Expected);
                Assert.NotEqual(report.Mismatch.Expected, report.Mismatch.Actual);
                Assert.Equal(3, seen); // stopped at the mismatch
                Assert.Equal(2, report.VerifiedBlocks);
                // Both executors agree on the tampered block: the diagnosis points at the file.
                Assert.Contains(options.Sequential ? "not produced by this block" : "sequential execution gives the same result",
                    report.Mismatch.Detail);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_mismatch_names_the_first_key_where_parallel_and_sequential_differ()
    {
        var workload = ChainTestFiles.Workload(WorkloadKind.P2p, blocks: 1, txs: 20, hints: HintMode.None);
        var block = workload.Blocks[0];
        var honest = new SequentialExecutor().Execute(block, workload.Genesis);
        var changes = honest.Changes.ToArray();
        changes[4] = new StateChange(changes[4].Key, changes[4].Value + 1); // a wrong final value
        var wrong = new BlockResult(honest.Receipts, changes, honest.TouchedKeys, null,
            honest.Stats with { Executor = "parallel", Workers = 2 });
        var detail = RootMismatch.Diagnose(block, workload.Genesis, wrong);
        Assert.Contains("parallel and sequential execution differ, first at change 4", detail);
        Assert.Contains(changes[4].Key.ToString(), detail);
    }

    [Fact]
    public void A_node_registers_its_own_transaction_type()
    {
        var registry = TransactionCodecRegistry.CreateDefault().Register(new NoteCodec());
        var workload = ChainTestFiles.Workload(blocks: 1, txs: 5);
        var note = new Note(StateKey.Storage(Address.FromNumber(9), 3), 42);
        var bytes = ChainTestFiles.Bytes(workload, (_, b) =>
            new ChainBlock(new Block(b.Header, [.. b.Transactions, note])), registry);
        var block = ChainTestFiles.ReadAll(bytes, registry).Single();
        var decoded = Assert.IsType<Note>(block.Transactions[^1]);
        Assert.Equal(note.Key, decoded.Key);
        Assert.Equal(42UL, decoded.Value);

        var e = Assert.Throws<ChainFormatException>(() => ChainTestFiles.ReadAll(bytes));
        Assert.Contains("unknown transaction type 200", e.Message);
        Assert.StartsWith("block 1 at byte ", e.Message);
        Assert.Throws<ArgumentException>(() => TransactionCodecRegistry.CreateDefault().Register(new NoteCodec()).Register(new NoteCodec()));
    }

    internal sealed class Note(StateKey key, ulong value) : ITransaction
    {
        public StateKey Key { get; } = key;
        public ulong Value { get; } = value;
        public ulong GasLimit => 1000;
        public ExecutionOutcome Execute(ITransactionContext context)
        {
            context.Write(Key, Value);
            return ExecutionOutcome.Success;
        }
    }

    internal sealed class NoteCodec : ITransactionCodec
    {
        public byte TypeId => 200;
        public Type TransactionType => typeof(Note);
        public void Encode(ITransaction transaction, ChainBufferWriter writer)
        {
            var note = (Note)transaction;
            writer.WriteStateKey(note.Key);
            writer.WriteVarUInt64(note.Value);
        }
        public ITransaction Decode(ref ChainSpanReader reader) => new Note(reader.ReadStateKey(), reader.ReadVarUInt64());
    }
}
