using System.Buffers.Binary;
using ParallelExec.State;

namespace ParallelExec.Storage.RocksDb;

/// <summary>
/// The on-disk layout, format version 3. Column families: <c>state</c> (the flat state: an account's
/// 20-byte address → its <see cref="AccountRecord"/>, a storage slot's <see cref="StateKeyEncoding"/> →
/// its 32-byte big-endian value; an account's record sorts before its slots), <c>trie</c> (the live trie's nodes by place: <see cref="TrieNodeKey"/> → rlp),
/// <c>blocks</c> (block number → record), <c>journal</c> (block number → undo journal), <c>meta</c>
/// (format, genesis, head, the block whose trie <c>trie</c> holds, init marker). Format 1 kept every
/// node ever written in a family <c>nodes</c>, by hash; a migration drops it and rebuilds <c>trie</c>.
/// Format 2 kept each account field under a key of its own (address and kind → 32-byte value); a
/// migration joins them into records.
/// Block numbers are 8-byte big-endian with the sign bit flipped, so they sort numerically.
/// </summary>
internal static class RocksDbLayout
{
    public const uint FormatVersion = 3;
    public const uint HashKeyedFormatVersion = 1;
    public const uint FieldKeyedFormatVersion = 2;
    public static ReadOnlySpan<byte> Magic => "PXST"u8;

    public const string StateFamily = "state";
    public const string TrieFamily = "trie";
    /// <summary>Format 1's node family (keccak256(rlp) → rlp), dropped by a migration.</summary>
    public const string HashKeyedNodesFamily = "nodes";
    public const string BlocksFamily = "blocks";
    public const string JournalFamily = "journal";
    public const string MetaFamily = "meta";
    public static readonly string[] Families = [StateFamily, TrieFamily, BlocksFamily, JournalFamily, MetaFamily];

    public static readonly byte[] FormatKey = "format"u8.ToArray();
    public static readonly byte[] GenesisKey = "genesis"u8.ToArray();
    public static readonly byte[] HeadKey = "head"u8.ToArray();
    public static readonly byte[] InitKey = "init"u8.ToArray();
    public static readonly byte[] TrieNodesAtKey = "trie-at"u8.ToArray();

    public const int BlockRecordLength = 8 + 32 + 32;
    /// <summary>A storage slot's value (and a journal's previous value): 32 bytes, big-endian.</summary>
    public const int ValueLength = 32;
    /// <summary>An account record's key: the address alone.</summary>
    public const int AccountKeyLength = Address.Size;

    /// <summary>
    /// The flat-state key that holds <paramref name="key"/>: its account's record for an account field,
    /// the slot's own key for storage. Returns its length.
    /// </summary>
    public static int WriteFlatKey(in StateKey key, Span<byte> destination)
    {
        if (key.Kind == StateKeyKind.Storage) return StateKeyEncoding.Write(key, destination);
        key.Address.WriteTo(destination);
        return AccountKeyLength;
    }

    public static byte[] FormatRecord()
    {
        return FormatRecord(FormatVersion);
    }

    public static byte[] FormatRecord(uint version)
    {
        var record = new byte[8];
        Magic.CopyTo(record);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), version);
        return record;
    }

    public static byte[] NumberKey(long number)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, (ulong)number ^ 0x8000_0000_0000_0000UL);
        return key;
    }

    public static long ReadNumberKey(ReadOnlySpan<byte> key) =>
        (long)(BinaryPrimitives.ReadUInt64BigEndian(key) ^ 0x8000_0000_0000_0000UL);

    public static byte[] EncodeBlock(in StoredBlock block)
    {
        var bytes = new byte[BlockRecordLength];
        BinaryPrimitives.WriteInt64BigEndian(bytes, block.Number);
        block.StateRoot.WriteTo(bytes.AsSpan(8, 32));
        block.BlockHash.WriteTo(bytes.AsSpan(40, 32));
        return bytes;
    }

    public static bool TryDecodeBlock(ReadOnlySpan<byte> bytes, out StoredBlock block)
    {
        block = default;
        if (bytes.Length != BlockRecordLength) return false;
        block = new StoredBlock(BinaryPrimitives.ReadInt64BigEndian(bytes), new Hash256(bytes.Slice(8, 32)), new Hash256(bytes.Slice(40, 32)));
        return true;
    }

    /// <summary>Largest journal line: key length, key, flag, value.</summary>
    public const int MaxJournalEntryLength = 1 + StateKeyEncoding.MaxLength + 1 + ValueLength;

    /// <summary>Journal: entry count (4 bytes LE), then per entry: key length, key, flag (1 = existed), value when it existed.</summary>
    public static int WriteJournalEntry(Span<byte> destination, ReadOnlySpan<byte> key, bool existed, ReadOnlySpan<byte> previous)
    {
        destination[0] = (byte)key.Length;
        key.CopyTo(destination[1..]);
        int o = 1 + key.Length;
        destination[o++] = existed ? (byte)1 : (byte)0;
        if (!existed) return o;
        previous.CopyTo(destination[o..]);
        return o + ValueLength;
    }

    /// <summary>Decodes a journal; null when it is malformed.</summary>
    public static List<(byte[] Key, byte[]? Previous)>? ReadJournal(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4) return null;
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (count < 0 || count > bytes.Length) return null;
        var entries = new List<(byte[], byte[]?)>(count);
        int o = 4;
        for (int i = 0; i < count; i++)
        {
            if (o >= bytes.Length) return null;
            int keyLength = bytes[o++];
            if (o + keyLength + 1 > bytes.Length || !StateKeyEncoding.TryRead(bytes.Slice(o, keyLength), out _)) return null;
            var key = bytes.Slice(o, keyLength).ToArray();
            o += keyLength;
            byte flag = bytes[o++];
            if (flag > 1) return null;
            byte[]? previous = null;
            if (flag == 1)
            {
                if (o + ValueLength > bytes.Length) return null;
                previous = bytes.Slice(o, ValueLength).ToArray();
                o += ValueLength;
            }
            entries.Add((key, previous));
        }
        return o == bytes.Length ? entries : null;
    }
}
