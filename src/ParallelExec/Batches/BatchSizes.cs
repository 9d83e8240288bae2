namespace ParallelExec.Batches;

/// <summary>Bytes one transaction kind takes in a batch: its transactions' own bytes (head, references, nonce, amount, extras).</summary>
public sealed record BatchKindSize(string Kind, int Transactions, long Bytes)
{
    /// <summary>Bytes per transaction of this kind (0 when there is none).</summary>
    public double BytesPerTransaction => Transactions == 0 ? 0 : (double)Bytes / Transactions;
}

/// <summary>
/// Where a batch's bytes go: the header, the address table, the block headers (count, beneficiary,
/// root) and checksum are shared; each transaction's own bytes are counted under its kind.
/// </summary>
public sealed record BatchSizes(long TotalBytes, long HeaderBytes, long TableBytes, long BlockBytes, int Transactions, IReadOnlyList<BatchKindSize> Kinds)
{
    /// <summary>Transactions whose nonce is written (a sender's first in the batch, or out of sequence); the others are implied.</summary>
    public int ExplicitNonces { get; init; }

    /// <summary>Transactions with an extras byte (gas price, work or hint mode other than the header's).</summary>
    public int Extras { get; init; }

    /// <summary>Amounts whose decimal exponent (7 and above) takes a byte of its own.</summary>
    public int EscapedExponents { get; init; }

    /// <summary>All bytes per transaction, shared bytes included.</summary>
    public double BytesPerTransaction => Transactions == 0 ? 0 : (double)TotalBytes / Transactions;
}
