using ParallelExec.Execution;

namespace ParallelExec.Blocks;

/// <summary>
/// Encodes and decodes one transaction type of a chain file. The body is length-prefixed by the
/// writer, so a decoder only sees its own bytes and must consume all of them. Decoders must not
/// trust the input: read through <see cref="ChainSpanReader"/> (bounds-checked) and throw
/// <see cref="ChainSpanReader.Fail"/> for invalid values; any other exception is reported as a
/// <see cref="ChainFormatException"/> too.
/// </summary>
public interface ITransactionCodec
{
    /// <summary>The type byte in the file (1..127 are reserved for ParallelExec; nodes use 128..255).</summary>
    byte TypeId { get; }

    /// <summary>The transaction class this codec encodes (matched exactly, not by inheritance).</summary>
    Type TransactionType { get; }

    /// <summary>Writes the body of <paramref name="transaction"/> (an instance of <see cref="TransactionType"/>).</summary>
    void Encode(ITransaction transaction, ChainBufferWriter writer);

    /// <summary>Reads a transaction written by <see cref="Encode"/>, consuming the whole body.</summary>
    ITransaction Decode(ref ChainSpanReader reader);
}
