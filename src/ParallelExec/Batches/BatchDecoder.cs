using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Transactions;

namespace ParallelExec.Batches;

/// <summary>
/// Reads a batch written by <see cref="BatchEncoder"/> back into chain blocks. The checksum is checked
/// before anything is decoded; every count is bounded by the bytes left before it is allocated;
/// every problem with the input is a <see cref="BatchFormatException"/> naming where it is.
/// </summary>
public static class BatchDecoder
{
    /// <summary>
    /// Reads and checks the header alone (magic, version, flags, checksum), to learn whether decoding
    /// needs the genesis account directory.
    /// </summary>
    public static BatchHeader ReadHeader(ReadOnlySpan<byte> batch)
    {
        var reader = new BatchReader(CheckedBody(batch));
        return ReadHeader(ref reader);
    }

    /// <summary>
    /// Decodes <paramref name="batch"/>; <paramref name="directory"/> must be the genesis directory the
    /// batch names when its header says it names one (see <see cref="BatchHeader.UsesDirectory"/>).
    /// </summary>
    /// <exception cref="BatchFormatException">The batch is truncated, corrupt or of another version, or names a directory and none, or another, is given.</exception>
    public static DecodedBatch Decode(ReadOnlySpan<byte> batch, AccountDirectory? directory = null)
    {
        var reader = new BatchReader(CheckedBody(batch));
        var header = ReadHeader(ref reader);
        if (header.UsesDirectory)
        {
            if (directory is null)
                throw new BatchFormatException($"the batch names accounts by their position in its genesis ({header.DirectoryCount} accounts); no genesis was given", 6);
            if (directory.Count != header.DirectoryCount || !directory.Hash.Equals(header.DirectoryHash))
                throw new BatchFormatException(
                    $"the batch's genesis has {header.DirectoryCount} accounts (directory hash {header.DirectoryHash}), the genesis given has {directory.Count} ({directory.Hash})", 6);
        }
        else
        {
            directory = null;
        }
        var table = ReadTable(ref reader, directory);
        var blocks = new List<ChainBlock>(header.BlockCount);
        var nextNonce = new Dictionary<Address, ulong>();
        int transactions = 0;
        for (int b = 0; b < header.BlockCount; b++)
        {
            long number = header.FirstBlock + b;
            reader.Block = number;
            reader.Transaction = null;
            int count = reader.ReadCount(BatchFormat.MinTransactionSize, "transaction count");
            if (count > header.TransactionCount - transactions)
                throw reader.Fail($"transaction count {count} takes the batch past the {header.TransactionCount} transactions its header declares");
            var beneficiary = ReadAddressReference(ref reader, table, "beneficiary");
            byte flags = reader.ReadByte("block flags");
            if (flags > 1) throw reader.Fail($"unknown block flags 0x{flags:X2}");
            var root = flags == 1 ? reader.ReadHash("state root") : default;
            if (flags == 1 && root.Equals(default)) throw reader.Fail("a recorded state root of all zeros");
            var blockHeader = new BlockHeader(number, beneficiary);
            var txs = new ITransaction[count];
            for (int i = 0; i < count; i++)
            {
                reader.Transaction = i;
                txs[i] = ReadTransaction(ref reader, header, table, beneficiary, nextNonce);
            }
            transactions += count;
            blocks.Add(new ChainBlock(new Block(blockHeader, txs), root));
        }
        reader.Block = null;
        reader.Transaction = null;
        if (transactions != header.TransactionCount)
            throw reader.Fail($"the blocks hold {transactions} transactions, the header declares {header.TransactionCount}");
        if (reader.Remaining != 0) throw reader.Fail($"{reader.Remaining} unexpected bytes after the last block");
        if (!header.NewRoot.Equals(blocks[^1].ExpectedRoot))
            throw reader.Fail($"the header's new root {header.NewRoot} is not the last block's root {blocks[^1].ExpectedRoot}");
        return new DecodedBatch(header, blocks, table.Entries);
    }

    // The bytes before the checksum, once the magic, length and checksum are right.
    private static ReadOnlySpan<byte> CheckedBody(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < 4 || !batch[..4].SequenceEqual(BatchFormat.Magic)) throw new BatchFormatException("not a batch (bad magic)", 0);
        if (batch.Length > BatchFormat.MaxBatchBytes) throw new BatchFormatException($"{batch.Length} bytes exceed the bound {BatchFormat.MaxBatchBytes}", 0);
        if (batch.Length >= 6)
        {
            ushort version = BinaryPrimitives.ReadUInt16LittleEndian(batch[4..]);
            if (version != BatchFormat.Version)
                throw new BatchFormatException($"unsupported batch version {version} (this reader knows {BatchFormat.Version})", 4);
        }
        if (batch.Length < BatchFormat.FixedHeaderSize + BatchFormat.ChecksumSize)
            throw new BatchFormatException($"truncated: {batch.Length} bytes, a batch header alone takes {BatchFormat.FixedHeaderSize + BatchFormat.ChecksumSize}", batch.Length);
        var body = batch[..^BatchFormat.ChecksumSize];
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(batch[^BatchFormat.ChecksumSize..]);
        uint computed = Crc32.Compute(body);
        if (stored != computed)
            throw new BatchFormatException($"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}): the batch is corrupt or truncated", body.Length);
        return body;
    }

    private static BatchHeader ReadHeader(ref BatchReader reader)
    {
        reader.ReadBytes(4, "magic");
        ushort version = reader.ReadUInt16("version");
        int flagsAt = reader.Position;
        ushort flags = reader.ReadUInt16("flags");
        if ((flags & ~(BatchFormat.UsesDirectory | BatchFormat.StartsAtGenesis)) != 0) throw reader.FailAt($"unknown batch flags 0x{flags:X4}", flagsAt);
        var previous = reader.ReadHash("previous root");
        var next = reader.ReadHash("new root");
        int firstAt = reader.Position;
        ulong first = reader.ReadVarUInt64("first block number");
        if (first > long.MaxValue) throw reader.FailAt($"first block number {first} is out of range", firstAt);
        int blocks = reader.ReadCount(3, "block count"); // a block takes at least its count, beneficiary and flags
        if (blocks == 0) throw reader.Fail("a batch without blocks");
        if ((long)first > long.MaxValue - blocks) throw reader.FailAt("block numbers overflow", firstAt);
        int transactions = reader.ReadCount(BatchFormat.MinTransactionSize, "transaction count");
        ulong gasPrice = reader.ReadVarUInt64("gas price");
        int work = reader.ReadVarInt32(int.MaxValue, "work");
        int hintsAt = reader.Position;
        byte hints = reader.ReadByte("hint mode");
        if (hints > (byte)BatchHintMode.Derived) throw reader.FailAt($"default hint mode {hints} is not 0 (none) or 1 (derived)", hintsAt);
        bool usesDirectory = (flags & BatchFormat.UsesDirectory) != 0;
        int directoryCount = 0;
        Hash256 directoryHash = default;
        if (usesDirectory)
        {
            directoryCount = reader.ReadVarInt32(int.MaxValue, "directory account count");
            directoryHash = reader.ReadHash("directory hash");
        }
        return new BatchHeader
        {
            Version = version, PreviousRoot = previous, NewRoot = next, StartsAtGenesis = (flags & BatchFormat.StartsAtGenesis) != 0,
            FirstBlock = (long)first, BlockCount = blocks, TransactionCount = transactions, GasPrice = gasPrice, Work = work,
            Hints = (BatchHintMode)hints, UsesDirectory = usesDirectory, DirectoryCount = directoryCount, DirectoryHash = directoryHash,
        };
    }

    private static AddressTable ReadTable(ref BatchReader reader, AccountDirectory? directory)
    {
        int count = reader.ReadCount(1, "address table count");
        var entries = new Address[count];
        var seen = new HashSet<Address>(count);
        for (int i = 0; i < count; i++)
        {
            int at = reader.Position;
            ulong tag = reader.ReadVarUInt64("address table entry");
            Address address;
            if (tag == 0)
            {
                address = reader.ReadAddress("address table entry");
            }
            else
            {
                if (directory is null) throw reader.FailAt($"address table entry {i} names directory position {tag - 1}, but the batch names no directory", at);
                if (tag - 1 >= (ulong)directory.Count) throw reader.FailAt($"address table entry {i} names directory position {tag - 1}, past its {directory.Count} accounts", at);
                address = directory[(int)(tag - 1)];
            }
            if (!seen.Add(address)) throw reader.FailAt($"address table entry {i} repeats {address}", at);
            entries[i] = address;
        }
        return AddressTable.FromEntries(entries, directory);
    }

    private static Address ReadAddressReference(ref BatchReader reader, AddressTable table, string what)
    {
        int at = reader.Position;
        ulong reference = reader.ReadVarUInt64(what);
        return table.Resolve(reference) ?? throw reader.FailAt(
            (reference & 1) == 0
                ? $"{what} names table entry {reference >> 1}, past the batch's {table.Entries.Count} entries"
                : $"{what} names directory position {reference >> 1}, which the batch's directory does not have",
            at);
    }

    private static ITransaction ReadTransaction(ref BatchReader reader, BatchHeader header, AddressTable table, Address beneficiary,
        Dictionary<Address, ulong> nextNonce)
    {
        int headAt = reader.Position;
        int head = reader.ReadByte("transaction head");
        int kindCode = head & BatchTransactionHead.KindMask;
        if (kindCode > (int)BatchTransactionKind.CounterMint) throw reader.FailAt($"unknown transaction kind {kindCode}", headAt);
        var kind = (BatchTransactionKind)kindCode;
        int exponent = head >> BatchTransactionHead.ExponentShift;
        if (exponent == BatchTransactionHead.ExponentEscape)
        {
            int exponentAt = reader.Position;
            exponent = reader.ReadByte("amount exponent");
            if (exponent < BatchTransactionHead.ExponentEscape || exponent > ScaledDecimal.MaxExponent)
                throw reader.FailAt($"escaped amount exponent {exponent} is outside {BatchTransactionHead.ExponentEscape}..{ScaledDecimal.MaxExponent}", exponentAt);
        }
        if (kind == BatchTransactionKind.CounterMint && exponent != 0) throw reader.FailAt("a mint carries no amount, yet its exponent is not 0", headAt);
        var sender = ReadAddressReference(ref reader, table, "sender");
        ulong nonce;
        if ((head & BatchTransactionHead.ExplicitNonce) != 0)
        {
            nonce = reader.ReadVarUInt64("nonce");
        }
        else if (!nextNonce.TryGetValue(sender, out nonce))
        {
            throw reader.FailAt($"implied nonce, but sender {sender} has no earlier transaction in the batch", headAt);
        }
        if (nonce == ulong.MaxValue) nextNonce.Remove(sender);
        else nextNonce[sender] = nonce + 1;
        ulong gasPrice = header.GasPrice;
        int work = header.Work;
        var hintMode = header.Hints;
        if ((head & BatchTransactionHead.HasExtras) != 0)
        {
            int extrasAt = reader.Position;
            int extras = reader.ReadByte("extras");
            int mode = (extras >> BatchTransactionHead.ExtraHintShift) & 3;
            if ((extras & BatchTransactionHead.ExtraReserved) != 0 || mode > (int)BatchHintMode.Explicit)
                throw reader.FailAt($"invalid extras byte 0x{extras:X2}", extrasAt);
            hintMode = (BatchHintMode)mode;
            if ((extras & BatchTransactionHead.ExtraGasPrice) != 0) gasPrice = reader.ReadVarUInt64("gas price");
            if ((extras & BatchTransactionHead.ExtraWork) != 0) work = reader.ReadVarInt32(int.MaxValue, "work");
        }
        SenderTransaction tx;
        switch (kind)
        {
            case BatchTransactionKind.ValueTransfer:
            {
                var to = ReadAddressReference(ref reader, table, "recipient");
                tx = new ValueTransfer(sender, nonce, gasPrice, to, ReadAmount(ref reader, exponent), work);
                break;
            }
            case BatchTransactionKind.TokenTransfer:
            {
                var token = ReadAddressReference(ref reader, table, "token");
                var to = ReadAddressReference(ref reader, table, "recipient");
                tx = new TokenTransfer(sender, nonce, gasPrice, token, to, ReadAmount(ref reader, exponent), work);
                break;
            }
            case BatchTransactionKind.PoolSwapToken0In:
            case BatchTransactionKind.PoolSwapToken1In:
            {
                var pool = ReadAddressReference(ref reader, table, "pool");
                var tokenIn = ReadAddressReference(ref reader, table, "token in");
                var tokenOut = ReadAddressReference(ref reader, table, "token out");
                tx = new PoolSwap(sender, nonce, gasPrice, pool, tokenIn, tokenOut, kind == BatchTransactionKind.PoolSwapToken0In,
                    ReadAmount(ref reader, exponent), work);
                break;
            }
            default:
                tx = new CounterMint(sender, nonce, gasPrice, ReadAddressReference(ref reader, table, "collection"), work);
                break;
        }
        return hintMode switch
        {
            BatchHintMode.None => tx,
            BatchHintMode.Derived => tx.WithHints(tx.BuildHints(beneficiary)),
            _ => tx.WithHints(new AccessHints(ReadKeys(ref reader, table, "hint read count"), ReadKeys(ref reader, table, "hint write count"))),
        };
    }

    private static UInt256 ReadAmount(ref BatchReader reader, int exponent)
    {
        int at = reader.Position;
        var scaled = new ScaledDecimal(reader.ReadVarUInt256("amount"), exponent);
        if (!scaled.IsCanonical) throw reader.FailAt($"amount {scaled.Mantissa}e{exponent} is not in canonical form (mantissa divisible by ten)", at);
        if (!scaled.TryGetValue(out var value)) throw reader.FailAt($"amount {scaled.Mantissa}e{exponent} exceeds 256 bits", at);
        return value;
    }

    private static StateKey[] ReadKeys(ref BatchReader reader, AddressTable table, string what)
    {
        int count = reader.ReadCount(2, what);
        var keys = new StateKey[count];
        for (int i = 0; i < count; i++)
        {
            var address = ReadAddressReference(ref reader, table, "hint key address");
            int kindAt = reader.Position;
            byte kind = reader.ReadByte("hint key kind");
            keys[i] = kind switch
            {
                (byte)StateKeyKind.Nonce => StateKey.Nonce(address),
                (byte)StateKeyKind.Balance => StateKey.Balance(address),
                (byte)StateKeyKind.CodeHash => StateKey.CodeHash(address),
                (byte)StateKeyKind.Storage => StateKey.Storage(address, reader.ReadVarUInt256("hint key slot")),
                _ => throw reader.FailAt($"unknown state key kind {kind}", kindAt),
            };
        }
        return keys;
    }
}
