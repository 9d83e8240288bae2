namespace ParallelExec.Blocks;

/// <summary>
/// The one exception a chain file's reader throws for bad input: truncation, a checksum mismatch,
/// a wrong magic or version, an absurd length, an unknown transaction type, blocks out of order.
/// The message is a single line naming where the problem is (file header or block number) and the
/// byte offset of the record it was found in.
/// </summary>
public sealed class ChainFormatException : Exception
{
    /// <summary>A problem at byte <paramref name="offset"/> of the file, in block <paramref name="blockNumber"/> when known.</summary>
    public ChainFormatException(string problem, long offset, long? blockNumber, Exception? inner = null)
        : base(Describe(problem, offset, blockNumber), inner)
    {
        Problem = problem;
        Offset = offset;
        BlockNumber = blockNumber;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>Byte offset in the file of the record (or field) where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>The block the problem is in; null for the file header and starting state.</summary>
    public long? BlockNumber { get; }

    private static string Describe(string problem, long offset, long? blockNumber)
    {
        var oneLine = problem.ReplaceLineEndings(" ");
        return blockNumber is { } n
            ? $"block {n} at byte {offset}: {oneLine}"
            : $"file header at byte {offset}: {oneLine}";
    }
}
