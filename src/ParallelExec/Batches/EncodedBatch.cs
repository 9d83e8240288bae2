namespace ParallelExec.Batches;

/// <summary>A batch as <see cref="BatchEncoder"/> wrote it: its bytes, its header and where the bytes went.</summary>
public sealed record EncodedBatch(byte[] Bytes, BatchHeader Header, BatchSizes Sizes);
