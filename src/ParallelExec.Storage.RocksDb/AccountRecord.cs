using ParallelExec.State;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// An account's fields as one flat-state value, as geth's snapshot, reth's and Erigon's plain state and
/// Nethermind's flat database keep an account: one lookup reads a sender's nonce and balance, and one
/// put writes them. Encoding: a presence byte (one bit per field: nonce 1, balance 2, code hash 4: a
/// field that was never written is absent, not zero), then each present field in that order as a length
/// byte (0–32) and its minimal big-endian bytes. A transfer's record is a dozen bytes instead of three
/// 53-byte key-value pairs.
/// </summary>
internal struct AccountRecord
{
    /// <summary>The longest encoding: the presence byte and three 32-byte fields with their lengths.</summary>
    public const int MaxLength = 1 + 3 * (1 + 32);

    private const byte AllFields = 0b111;

    private byte _present;
    private UInt256 _nonce, _balance, _codeHash;

    /// <summary>Whether no field is present (the account has no record).</summary>
    public readonly bool IsEmpty => _present == 0;

    /// <summary>The field <paramref name="kind"/> (an account field, not storage), when present.</summary>
    public readonly bool TryGet(StateKeyKind kind, out UInt256 value)
    {
        value = kind switch
        {
            StateKeyKind.Nonce => _nonce,
            StateKeyKind.Balance => _balance,
            _ => _codeHash,
        };
        return (_present & Bit(kind)) != 0;
    }

    /// <summary>Sets the field <paramref name="kind"/> present with <paramref name="value"/>.</summary>
    public void Set(StateKeyKind kind, in UInt256 value)
    {
        switch (kind)
        {
            case StateKeyKind.Nonce: _nonce = value; break;
            case StateKeyKind.Balance: _balance = value; break;
            default: _codeHash = value; break;
        }
        _present |= Bit(kind);
    }

    /// <summary>Makes the field <paramref name="kind"/> absent.</summary>
    public void Remove(StateKeyKind kind)
    {
        Set(kind, default);
        _present &= (byte)~Bit(kind);
    }

    /// <summary>
    /// The record as <see cref="AccountRecordCache"/> keeps it: its presence bits, a nonce of 64 bits
    /// and the balance; false for a record with a code hash or a larger nonce, which it does not keep.
    /// </summary>
    public readonly bool TryGetCached(out byte present, out ulong nonce, out UInt256 balance)
    {
        present = _present;
        nonce = (ulong)_nonce.U0;
        balance = _balance;
        return (_present & Bit(StateKeyKind.CodeHash)) == 0 && _nonce.FitsInUInt64;
    }

    /// <summary>A record from what <see cref="TryGetCached"/> gave.</summary>
    public static AccountRecord FromCached(byte present, ulong nonce, in UInt256 balance) =>
        new() { _present = present, _nonce = nonce, _balance = balance };

    /// <summary>Writes the encoding; returns its length (at most <see cref="MaxLength"/>).</summary>
    public readonly int Write(Span<byte> destination)
    {
        destination[0] = _present;
        int o = 1;
        if ((_present & 1) != 0) o += WriteField(_nonce, destination[o..]);
        if ((_present & 2) != 0) o += WriteField(_balance, destination[o..]);
        if ((_present & 4) != 0) o += WriteField(_codeHash, destination[o..]);
        return o;
    }

    /// <summary>Decodes a record; false when the bytes are not a well-formed one (a corrupt database).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out AccountRecord record)
    {
        record = default;
        if (source.IsEmpty || source[0] == 0 || (source[0] & ~AllFields) != 0) return false;
        byte present = source[0];
        int o = 1;
        for (int field = 0; field < 3; field++)
        {
            if ((present & (1 << field)) == 0) continue;
            if (o >= source.Length) return false;
            int length = source[o++];
            if (length > 32 || o + length > source.Length) return false;
            record.Set((StateKeyKind)field, UInt256.FromBigEndian(source.Slice(o, length)));
            o += length;
        }
        return o == source.Length;
    }

    private static byte Bit(StateKeyKind kind) => (byte)(1 << (int)kind);

    private static int WriteField(in UInt256 value, Span<byte> destination)
    {
        int length = value.ByteLength;
        destination[0] = (byte)length;
        Span<byte> word = stackalloc byte[32];
        value.WriteBigEndian(word);
        word[(32 - length)..].CopyTo(destination[1..]);
        return 1 + length;
    }
}
