using ParallelExec.Batches;
using ParallelExec.Blocks;
using ParallelExec.Workloads;
using Xunit.Abstractions;

namespace ParallelExec.Tests.Batches;

/// <summary>Byte sizes are deterministic for a seed, so the aim is asserted as a bound (never a time).</summary>
public class BatchSizeTests(ITestOutputHelper output)
{
    [Fact]
    public void A_large_p2p_batch_takes_at_most_12_bytes_per_transfer()
    {
        var options = new WorkloadOptions { Kind = WorkloadKind.P2p, Accounts = 1_000_000, TransactionsPerBlock = 10_000, Blocks = 1, Seed = 1 };
        var workload = WorkloadGenerator.Generate(options);
        var blocks = workload.Blocks.Select(b => new ChainBlock(b)).ToList();
        var directory = AccountDirectory.FromState(workload.Genesis);
        var batch = BatchEncoder.Encode(blocks, new BatchEncoderOptions { Directory = directory, StartsAtGenesis = true });
        double perTx = batch.Sizes.BytesPerTransaction;
        output.WriteLine($"p2p, 1,000,000 accounts, 10,000 transfers, seed 1: {batch.Sizes.TotalBytes} bytes, {perTx:F2} B/tx " +
                         $"(table {batch.Header.TableCount} entries, {batch.Sizes.ExplicitNonces} explicit nonces)");
        Assert.True(perTx <= 12, $"{perTx:F2} bytes per transfer, the aim is 12");
        // The bound is met by the encoding, not by leaving something out.
        BatchTestBlocks.AssertSame(blocks, BatchDecoder.Decode(batch.Bytes, directory).Blocks, "p2p 1M");
    }

    [Fact]
    public void Every_kind_is_far_smaller_than_its_chain_file_record()
    {
        foreach (var kind in Enum.GetValues<WorkloadKind>())
        {
            var workload = WorkloadGenerator.Generate(new WorkloadOptions { Kind = kind, Accounts = 20_000, TransactionsPerBlock = 2_000, Blocks = 1, Seed = 7 });
            var blocks = workload.Blocks.Select(b => new ChainBlock(b)).ToList();
            var batch = BatchEncoder.Encode(blocks, new BatchEncoderOptions { Directory = AccountDirectory.FromState(workload.Genesis) });
            double chain = (double)BatchTestBlocks.ChainBytes(blocks).Length / batch.Sizes.Transactions;
            output.WriteLine($"{kind}: batch {batch.Sizes.BytesPerTransaction:F2} B/tx, chain file {chain:F2} B/tx; " +
                             string.Join(", ", batch.Sizes.Kinds.Select(k => $"{k.Kind} {k.BytesPerTransaction:F2}")));
            Assert.True(batch.Sizes.BytesPerTransaction * 3 < chain, $"{kind}: {batch.Sizes.BytesPerTransaction:F2} B/tx against {chain:F2} in the chain file");
        }
    }
}
