using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// The byte form of a <see cref="StateKey"/> in a key-value store: the 20-byte address, the kind byte,
/// and for a storage slot the 32-byte big-endian slot. Byte order matches <see cref="StateKey"/>'s
/// order (address, kind, slot), so one account's locations are adjacent.
/// </summary>
public static class StateKeyEncoding
{
    /// <summary>Bytes of an encoded account-field key: address and kind.</summary>
    public const int AccountKeyLength = Address.Size + 1;
    /// <summary>Bytes of an encoded storage key: address, kind and slot.</summary>
    public const int StorageKeyLength = Address.Size + 1 + 32;
    /// <summary>The longest encoding.</summary>
    public const int MaxLength = StorageKeyLength;

    /// <summary>The encoded length of <paramref name="key"/>.</summary>
    public static int LengthOf(in StateKey key) => key.Kind == StateKeyKind.Storage ? StorageKeyLength : AccountKeyLength;

    /// <summary>Writes <paramref name="key"/> to <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(in StateKey key, Span<byte> destination)
    {
        key.Address.WriteTo(destination);
        destination[Address.Size] = (byte)key.Kind;
        if (key.Kind != StateKeyKind.Storage) return AccountKeyLength;
        key.Slot.WriteBigEndian(destination.Slice(AccountKeyLength, 32));
        return StorageKeyLength;
    }

    /// <summary>The encoding of <paramref name="key"/>.</summary>
    public static byte[] ToArray(in StateKey key)
    {
        var bytes = new byte[LengthOf(key)];
        Write(key, bytes);
        return bytes;
    }

    /// <summary>Decodes a key; false when the bytes are not a well-formed key.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out StateKey key)
    {
        key = default;
        if (source.Length != AccountKeyLength && source.Length != StorageKeyLength) return false;
        byte kind = source[Address.Size];
        if (kind > (byte)StateKeyKind.Storage) return false;
        if ((kind == (byte)StateKeyKind.Storage) != (source.Length == StorageKeyLength)) return false;
        var address = new Address(source[..Address.Size]);
        key = kind == (byte)StateKeyKind.Storage
            ? StateKey.Storage(address, UInt256.FromBigEndian(source.Slice(AccountKeyLength, 32)))
            : StateKey.Create(address, (StateKeyKind)kind, default);
        return true;
    }
}
