using ParallelExec.Crypto;
using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>The secure tries' keys: keccak256 of an address (the account trie, and a storage trie's owner) or of a slot.</summary>
internal static class HashedKeys
{
    public static byte[] Of(in Address address)
    {
        Span<byte> bytes = stackalloc byte[Address.Size];
        address.WriteTo(bytes);
        return Keccak256.Compute(bytes).ToArray();
    }

    public static byte[] Of(in UInt256 slot)
    {
        Span<byte> bytes = stackalloc byte[32];
        slot.WriteBigEndian(bytes);
        return Keccak256.Compute(bytes).ToArray();
    }

    /// <summary>The value of an account field as the engine's flat state holds it (code hash: zero for no code).</summary>
    public static UInt256 FieldValue(StateKeyKind kind, ulong nonce, in UInt256 balance, in Hash256 codeHash) => kind switch
    {
        StateKeyKind.Nonce => new UInt256(nonce),
        StateKeyKind.Balance => balance,
        _ => codeHash == Keccak256.OfEmpty ? UInt256.Zero : codeHash.ToUInt256(),
    };
}
