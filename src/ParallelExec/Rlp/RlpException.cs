namespace ParallelExec.Rlp;

/// <summary>Malformed or non-canonical RLP.</summary>
public sealed class RlpException(string message) : FormatException(message);
