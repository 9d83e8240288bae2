using Spectre.Console;
using ParallelExec.Batches;
using ParallelExec.Blocks;
using ParallelExec.Cli.Terminal;
using ParallelExec.State;

namespace ParallelExec.Cli.Chains;

/// <summary>
/// What <c>batch encode</c> prints: the batch's bytes per transaction (all, and per kind), the same
/// after Brotli at its best and a fast quality, and the chain file's own bytes for the same blocks.
/// </summary>
internal sealed record BatchSizeReport(EncodedBatch Batch, long ChainBytes, int BrotliBest, int BrotliFast, int ChainBrotliBest)
{
    /// <summary>Measures <paramref name="batch"/> against the chain records of <paramref name="blocks"/> (roots only, as the batch carries them).</summary>
    public static BatchSizeReport Measure(EncodedBatch batch, IReadOnlyList<ChainBlock> blocks)
    {
        var chain = ChainRecordBytes(blocks);
        return new BatchSizeReport(batch, chain.Length,
            BatchCompression.BrotliSize(batch.Bytes, BatchCompression.BestQuality),
            BatchCompression.BrotliSize(batch.Bytes, BatchCompression.FastQuality),
            BatchCompression.BrotliSize(chain, BatchCompression.BestQuality));
    }

    private int Transactions => Batch.Sizes.Transactions;

    private double PerTx(long bytes) => Transactions == 0 ? 0 : (double)bytes / Transactions;

    public void Print(string path)
    {
        var h = Batch.Header;
        var s = Batch.Sizes;
        CliConsole.Prose($"wrote {path}: blocks {h.FirstBlock}..{h.FirstBlock + h.BlockCount - 1}, {Transactions:N0} txs, {s.TotalBytes:N0} bytes " +
                         $"({s.BytesPerTransaction:F2} B/tx)");
        Console.WriteLine($"previous root {h.PreviousRoot}");
        Console.WriteLine($"new root      {h.NewRoot}{(h.NewRoot.Equals(default) ? " (not recorded)" : "")}");
        CliConsole.Prose(h.UsesDirectory
            ? $"addresses: {h.TableCount:N0} in the batch's table ({s.TableBytes:N0} bytes), the others by position in the genesis ({h.DirectoryCount:N0} accounts)"
            : $"addresses: all {h.TableCount:N0} in the batch's table ({s.TableBytes:N0} bytes)");
        CliConsole.Prose($"nonces written: {s.ExplicitNonces:N0} (a sender's first in the batch, or out of sequence), the others implied; " +
                         $"extras bytes: {s.Extras:N0}; escaped exponents: {s.EscapedExponents:N0}");
        var kinds = CliTable.Create("by kind", ("kind", false), ("txs", true), ("bytes", true), ("B/tx", true));
        foreach (var k in s.Kinds) kinds.AddRow(k.Kind, k.Transactions.ToString("N0"), k.Bytes.ToString("N0"), k.BytesPerTransaction.ToString("F2"));
        kinds.AddRow("shared", "", (s.HeaderBytes + s.TableBytes + s.BlockBytes).ToString("N0"), PerTx(s.HeaderBytes + s.TableBytes + s.BlockBytes).ToString("F2"));
        CliConsole.Out.Write(kinds);
        var compared = CliTable.Create("compared", ("encoding", false), ("bytes", true), ("B/tx", true));
        compared.AddRow("batch", s.TotalBytes.ToString("N0"), PerTx(s.TotalBytes).ToString("F2"));
        compared.AddRow($"batch, Brotli q{BatchCompression.BestQuality}", BrotliBest.ToString("N0"), PerTx(BrotliBest).ToString("F2"));
        compared.AddRow($"batch, Brotli q{BatchCompression.FastQuality}", BrotliFast.ToString("N0"), PerTx(BrotliFast).ToString("F2"));
        compared.AddRow("chain file records", ChainBytes.ToString("N0"), PerTx(ChainBytes).ToString("F2"));
        compared.AddRow($"chain file records, Brotli q{BatchCompression.BestQuality}", ChainBrotliBest.ToString("N0"), PerTx(ChainBrotliBest).ToString("F2"));
        CliConsole.Out.Write(compared);
        CliConsole.Prose("by kind: each kind's transactions' own bytes; shared: header, address table, block headers (count, beneficiary, root) and checksum; chain file records: " +
                         "the same blocks as .pxb block records (roots, no graphs or access lists)");
    }

    public object ToJson(string path) => new
    {
        output = path,
        firstBlock = Batch.Header.FirstBlock,
        blocks = Batch.Header.BlockCount,
        transactions = Transactions,
        previousRoot = Batch.Header.PreviousRoot.ToString(),
        newRoot = Batch.Header.NewRoot.ToString(),
        usesDirectory = Batch.Header.UsesDirectory,
        tableEntries = Batch.Header.TableCount,
        bytes = Batch.Sizes.TotalBytes,
        bytesPerTx = Math.Round(Batch.Sizes.BytesPerTransaction, 3),
        headerBytes = Batch.Sizes.HeaderBytes,
        tableBytes = Batch.Sizes.TableBytes,
        blockBytes = Batch.Sizes.BlockBytes,
        explicitNonces = Batch.Sizes.ExplicitNonces,
        extras = Batch.Sizes.Extras,
        escapedExponents = Batch.Sizes.EscapedExponents,
        kinds = Batch.Sizes.Kinds.Select(k => new { kind = k.Kind, transactions = k.Transactions, bytes = k.Bytes, bytesPerTx = Math.Round(k.BytesPerTransaction, 3) }),
        brotliBest = new { quality = BatchCompression.BestQuality, bytes = BrotliBest, bytesPerTx = Math.Round(PerTx(BrotliBest), 3) },
        brotliFast = new { quality = BatchCompression.FastQuality, bytes = BrotliFast, bytesPerTx = Math.Round(PerTx(BrotliFast), 3) },
        chainFile = new { bytes = ChainBytes, bytesPerTx = Math.Round(PerTx(ChainBytes), 3) },
        chainFileBrotliBest = new { quality = BatchCompression.BestQuality, bytes = ChainBrotliBest, bytesPerTx = Math.Round(PerTx(ChainBrotliBest), 3) },
    };

    // The blocks' .pxb records alone: a chain file of them less its header, parent root and end record.
    private static byte[] ChainRecordBytes(IReadOnlyList<ChainBlock> blocks)
    {
        using var stream = new MemoryStream();
        using (var writer = new ChainWriter(stream, ChainStart.FromParentRoot(default), leaveOpen: true))
        {
            foreach (var block in blocks) writer.WriteBlock(block);
            writer.Complete();
        }
        const int prefix = ChainFormat.FileHeaderSize + Hash256.Size + 4, end = 1 + 8 + 4;
        var all = stream.ToArray();
        return all[prefix..^end];
    }
}
