namespace ParallelExec.Batches;

/// <summary>
/// The one exception a batch decoder throws for bad input (truncation, checksum mismatch, wrong magic
/// or version, a length or count past the bytes left, an unknown transaction kind, a reference past
/// its table). The message is one line: the byte offset, and the block and transaction when known.
/// </summary>
public sealed class BatchFormatException : Exception
{
    /// <summary>A problem at byte <paramref name="offset"/> of the batch, in block <paramref name="blockNumber"/> and transaction <paramref name="transaction"/> when known.</summary>
    public BatchFormatException(string problem, long offset, long? blockNumber = null, int? transaction = null)
        : base(Describe(problem, offset, blockNumber, transaction))
    {
        Problem = problem;
        Offset = offset;
        BlockNumber = blockNumber;
        Transaction = transaction;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>Byte offset in the batch where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>The block the problem is in; null in the batch header and address table.</summary>
    public long? BlockNumber { get; }

    /// <summary>The transaction's index in its block; null outside transactions.</summary>
    public int? Transaction { get; }

    private static string Describe(string problem, long offset, long? blockNumber, int? transaction)
    {
        var where = blockNumber is { } n
            ? transaction is { } t ? $"block {n} transaction {t} at byte {offset}" : $"block {n} at byte {offset}"
            : $"batch header at byte {offset}";
        return $"{where}: {problem.ReplaceLineEndings(" ")}";
    }
}
