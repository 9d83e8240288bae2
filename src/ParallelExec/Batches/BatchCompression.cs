using System.IO.Compression;

namespace ParallelExec.Batches;

/// <summary>General-purpose compression of a batch for comparison: Brotli, as the OP Stack and Arbitrum compress their batches.</summary>
public static class BatchCompression
{
    /// <summary>Brotli's densest setting.</summary>
    public const int BestQuality = 11;

    /// <summary>A fast Brotli setting (a sequencer compressing as it goes).</summary>
    public const int FastQuality = 1;

    /// <summary>Bytes <paramref name="data"/> takes compressed with Brotli at <paramref name="quality"/> (window 2^24).</summary>
    public static int BrotliSize(ReadOnlySpan<byte> data, int quality)
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(data.Length)];
        if (!BrotliEncoder.TryCompress(data, buffer, out int written, quality, window: 24))
            throw new InvalidOperationException("Brotli could not compress into its own bound");
        return written;
    }
}
