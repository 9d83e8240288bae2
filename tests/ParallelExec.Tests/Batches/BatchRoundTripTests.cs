using ParallelExec.Batches;
using ParallelExec.Blocks;
using ParallelExec.Tests.Blocks;
using ParallelExec.Tests.Execution;
using ParallelExec.Workloads;
using Xunit.Abstractions;

namespace ParallelExec.Tests.Batches;

public class BatchRoundTripTests(ITestOutputHelper output)
{
    public static TheoryData<WorkloadKind, HintMode, bool> Workloads()
    {
        var data = new TheoryData<WorkloadKind, HintMode, bool>();
        foreach (var kind in Enum.GetValues<WorkloadKind>())
            foreach (var hints in Enum.GetValues<HintMode>())
                foreach (bool directory in new[] { true, false })
                    data.Add(kind, hints, directory);
        return data;
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Every_builtin_workload_decodes_to_the_same_blocks(WorkloadKind kind, HintMode hints, bool directory)
    {
        foreach (ulong seed in new ulong[] { 3, 17, 4242 })
        {
            var workload = ChainTestFiles.Workload(kind, blocks: 3, txs: 60, hints: hints, seed: seed);
            var blocks = workload.Blocks.Select(b => new ChainBlock(b)).ToList();
            var genesis = AccountDirectory.FromState(workload.Genesis);
            var encoded = BatchEncoder.Encode(blocks, new BatchEncoderOptions { Directory = directory ? genesis : null, StartsAtGenesis = true });
            var decoded = BatchDecoder.Decode(encoded.Bytes, genesis);
            string context = $"{kind} hints {hints} directory {directory} seed {seed}";
            BatchTestBlocks.AssertSame(blocks, decoded.Blocks, context);
            Assert.Equal(encoded.Header, decoded.Header with { TableCount = encoded.Header.TableCount });
            Assert.Equal(encoded.Header.TableCount, decoded.Table.Count);
            Assert.True(decoded.Header.StartsAtGenesis);
            Assert.Equal(directory, decoded.Header.UsesDirectory);
            output.WriteLine($"{context}: {encoded.Sizes.BytesPerTransaction:F2} B/tx");
        }
    }

    [Fact]
    public void Random_fields_of_every_kind_round_trip_exactly_over_many_seeds()
    {
        var genesis = ChainTestFiles.Workload(WorkloadKind.Mixed).Genesis;
        var directory = AccountDirectory.FromState(genesis);
        int explicitNonces = 0, extras = 0, escapedExponents = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var blocks = BatchTestBlocks.Random(seed, genesis);
            foreach (var useDirectory in new[] { true, false })
            {
                var encoded = BatchEncoder.Encode(blocks, new BatchEncoderOptions { Directory = useDirectory ? directory : null });
                var decoded = BatchDecoder.Decode(encoded.Bytes, directory);
                BatchTestBlocks.AssertSame(blocks, decoded.Blocks, $"random blocks seed {seed} directory {useDirectory}");
                Assert.Equal(blocks[^1].ExpectedRoot, decoded.Header.NewRoot);
                if (useDirectory) (explicitNonces, extras, escapedExponents) = Count(encoded, (explicitNonces, extras, escapedExponents));
            }
        }
        // The escapes really ran: explicit nonces, extras bytes, escaped decimal exponents.
        output.WriteLine($"explicit nonces {explicitNonces}, extras {extras}, escaped exponents {escapedExponents}");
        Assert.True(explicitNonces > 0 && extras > 0 && escapedExponents > 0);
    }

    [Fact]
    public void Nonces_in_sequence_are_implied_and_shared_defaults_cost_nothing()
    {
        var workload = ChainTestFiles.Workload(WorkloadKind.P2p, blocks: 2, txs: 300, hints: HintMode.Exact);
        var blocks = workload.Blocks.Select(b => new ChainBlock(b)).ToList();
        var encoded = BatchEncoder.Encode(blocks, new BatchEncoderOptions { Directory = AccountDirectory.FromState(workload.Genesis) });
        Assert.Equal(1UL, encoded.Header.GasPrice);
        Assert.Equal(BatchHintMode.Derived, encoded.Header.Hints);
        var (explicitNonces, extras, _) = Count(encoded, default);
        Assert.Equal(0, extras);
        // 30 senders: only each one's first transaction names its nonce.
        Assert.Equal(blocks.SelectMany(b => b.Transactions).Select(t => ((Transactions.SenderTransaction)t).Sender).Distinct().Count(), explicitNonces);
    }

    [Fact]
    public void A_transaction_kind_without_a_batch_encoding_is_refused_naming_block_and_transaction()
    {
        var workload = ChainTestFiles.Workload(WorkloadKind.P2p, blocks: 2, txs: 5);
        var foreign = new ScriptedTransaction([], 21_000, null);
        var blocks = workload.Blocks.Select(b => new ChainBlock(b)).ToList();
        var second = blocks[1].Block;
        blocks[1] = new ChainBlock(new ParallelExec.Execution.Block(second.Header, [.. second.Transactions.Take(3), foreign, .. second.Transactions.Skip(3)]));
        var e = Assert.Throws<NotSupportedException>(() => BatchEncoder.Encode(blocks));
        Assert.StartsWith("block 2 transaction 3: ", e.Message);
        Assert.Contains("has no batch encoding", e.Message);
    }

    private static (int, int, int) Count(EncodedBatch batch, (int Nonces, int Extras, int Escapes) sum) =>
        (sum.Nonces + batch.Sizes.ExplicitNonces, sum.Extras + batch.Sizes.Extras, sum.Escapes + batch.Sizes.EscapedExponents);
}
