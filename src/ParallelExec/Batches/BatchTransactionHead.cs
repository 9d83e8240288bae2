namespace ParallelExec.Batches;

/// <summary>
/// The bits of a transaction's head byte and of its optional extras byte (see docs/batches.md).
/// Head: bits 0..2 kind (<see cref="BatchTransactionKind"/>), bit 3 explicit nonce, bit 4 extras
/// byte follows, bits 5..7 the amount's decimal exponent (7: an exponent byte follows).
/// Extras: bit 0 gas price follows, bit 1 work follows, bits 2..3 hint mode, bits 4..7 zero.
/// </summary>
public static class BatchTransactionHead
{
    /// <summary>Mask of the kind code.</summary>
    public const int KindMask = 0x07;
    /// <summary>The nonce is written (it is not the sender's previous nonce in the batch + 1).</summary>
    public const int ExplicitNonce = 0x08;
    /// <summary>An extras byte follows the head.</summary>
    public const int HasExtras = 0x10;
    /// <summary>Position of the exponent bits.</summary>
    public const int ExponentShift = 5;
    /// <summary>Exponent value meaning "an exponent byte follows" (exponents 7..77).</summary>
    public const int ExponentEscape = 7;

    /// <summary>Extras: the transaction's gas price follows (it is not the header's).</summary>
    public const int ExtraGasPrice = 0x01;
    /// <summary>Extras: the transaction's work units follow (they are not the header's).</summary>
    public const int ExtraWork = 0x02;
    /// <summary>Extras: position of the hint mode bits.</summary>
    public const int ExtraHintShift = 2;
    /// <summary>Extras: bits that must be zero.</summary>
    public const int ExtraReserved = 0xF0;
}
