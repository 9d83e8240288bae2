using ParallelExec.State;

namespace ParallelExec.Batches;

/// <summary>
/// An amount as mantissa × 10^exponent, exact: the exponent is the largest that divides the amount
/// (so round amounts such as 5·10^18 take one mantissa byte), and zero has exponent 0. This is the
/// canonical form; a reader rejects a mantissa divisible by ten with a positive exponent.
/// </summary>
public readonly record struct ScaledDecimal(UInt256 Mantissa, int Exponent)
{
    /// <summary>Largest exponent: 10^77 is the largest power of ten below 2^256.</summary>
    public const int MaxExponent = 77;

    /// <summary>The canonical form of <paramref name="amount"/>.</summary>
    public static ScaledDecimal Of(in UInt256 amount)
    {
        if (amount.IsZero) return new ScaledDecimal(amount, 0);
        if (amount.FitsInUInt64)
        {
            ulong m = amount.U0;
            int e = 0;
            while (m % 10 == 0) { m /= 10; e++; }
            return new ScaledDecimal(m, e);
        }
        var big = amount.ToBigInteger();
        int exponent = 0;
        while (big % 10 == 0) { big /= 10; exponent++; }
        return new ScaledDecimal(UInt256.FromBigInteger(big), exponent);
    }

    /// <summary>Whether this is the canonical form <see cref="Of"/> gives.</summary>
    public bool IsCanonical => Exponent >= 0 && Exponent <= MaxExponent && (Exponent == 0 || (!Mantissa.IsZero && !DivisibleByTen(Mantissa)));

    /// <summary>The amount; false when it does not fit in 256 bits.</summary>
    public bool TryGetValue(out UInt256 value)
    {
        value = Mantissa;
        for (int i = 0; i < Exponent; i++)
            if (!UInt256.TryMultiply(value, 10, out value)) return false;
        return true;
    }

    private static bool DivisibleByTen(in UInt256 value) =>
        value.FitsInUInt64 ? value.U0 % 10 == 0 : value.ToBigInteger() % 10 == 0;
}
