namespace ParallelExec.Stateless;

/// <summary>
/// The one exception a witness file's reader (and the claimed-digests file's, <see cref="TransactionDigestFile"/>)
/// throws for bad input (truncation, a checksum mismatch, a wrong magic or version, a count or length
/// past its bound or past the bytes left, keys out of order). The message is one line:
/// <c>witness at byte OFFSET: problem</c> (or <c>digest file at byte …</c>).
/// </summary>
public sealed class WitnessFormatException : Exception
{
    /// <summary>A problem at byte <paramref name="offset"/> of the witness file.</summary>
    public WitnessFormatException(string problem, long offset, Exception? inner = null)
        : this("witness", problem, offset, inner)
    {
    }

    /// <summary>A problem at byte <paramref name="offset"/> of the file <paramref name="what"/> names.</summary>
    public WitnessFormatException(string what, string problem, long offset, Exception? inner = null)
        : base($"{what} at byte {offset}: {problem.ReplaceLineEndings(" ")}", inner)
    {
        Problem = problem;
        Offset = offset;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>Byte offset in the file where the problem was found.</summary>
    public long Offset { get; }
}
