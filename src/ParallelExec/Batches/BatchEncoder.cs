using System.Buffers.Binary;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;
using ParallelExec.Transactions;

namespace ParallelExec.Batches;

/// <summary>
/// Writes blocks of the built-in transaction kinds as one compressed batch (see docs/batches.md):
/// addresses as references into the batch's table or the genesis directory, no gas fields (the fee
/// rule is in the header), amounts as scaled decimals, nonces implied by the batch's own running
/// count per sender. A transaction of any other class has no batch encoding and is refused.
/// </summary>
public static class BatchEncoder
{
    private static readonly string[] KindNames = [nameof(ValueTransfer), nameof(TokenTransfer), nameof(PoolSwap), nameof(CounterMint)];

    /// <summary>Encodes <paramref name="blocks"/> (consecutive numbers, at least one) into a batch.</summary>
    /// <exception cref="NotSupportedException">A transaction is not one of the built-in kinds.</exception>
    public static EncodedBatch Encode(IReadOnlyList<ChainBlock> blocks, BatchEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        options ??= new BatchEncoderOptions();
        if (blocks.Count == 0) throw new ArgumentException("a batch carries at least one block");
        var survey = Survey(blocks);
        var table = AddressTable.Build(survey.Uses, options.Directory);
        var header = new BatchHeader
        {
            PreviousRoot = options.PreviousRoot,
            NewRoot = blocks[^1].ExpectedRoot,
            StartsAtGenesis = options.StartsAtGenesis,
            FirstBlock = blocks[0].Number,
            BlockCount = blocks.Count,
            TransactionCount = survey.Transactions,
            GasPrice = MostCommon(survey.GasPrices),
            Work = MostCommon(survey.Works),
            Hints = survey.HintModes[1] > survey.HintModes[0] ? BatchHintMode.Derived : BatchHintMode.None,
            UsesDirectory = options.Directory is not null,
            DirectoryCount = options.Directory?.Count ?? 0,
            DirectoryHash = options.Directory?.Hash ?? default,
            TableCount = table.Entries.Count,
        };

        var writer = new ChainBufferWriter((int)Math.Min(1 << 24, 64 + 12L * survey.Transactions));
        WriteHeader(writer, header);
        long headerBytes = writer.Length;
        WriteTable(writer, table, options.Directory);
        long tableBytes = writer.Length - headerBytes;
        var kindBytes = new long[KindNames.Length];
        var kindCounts = new int[KindNames.Length];
        long blockBytes = 0;
        var nextNonce = new Dictionary<Address, ulong>();
        var escapes = new TransactionEscapes();
        foreach (var block in blocks)
        {
            int start = writer.Length;
            writer.WriteVarUInt64((ulong)block.Transactions.Count);
            writer.WriteVarUInt64(table.ReferenceOf(block.Header.Beneficiary));
            writer.WriteByte(block.HasExpectedRoot ? (byte)1 : (byte)0);
            if (block.HasExpectedRoot) writer.WriteHash(block.ExpectedRoot);
            blockBytes += writer.Length - start;
            foreach (var transaction in block.Transactions)
            {
                var tx = (SenderTransaction)transaction;
                int before = writer.Length;
                WriteTransaction(writer, tx, header, table, block.Header.Beneficiary, nextNonce, escapes);
                int kind = KindSlot(tx);
                kindBytes[kind] += writer.Length - before;
                kindCounts[kind]++;
            }
        }
        if (writer.Length > BatchFormat.MaxBatchBytes - BatchFormat.ChecksumSize)
            throw new ArgumentException($"the batch would take {writer.Length:N0} bytes, above the bound {BatchFormat.MaxBatchBytes:N0}: carry fewer blocks");
        writer.WriteUInt32(Crc32.Compute(writer.WrittenSpan));
        blockBytes += BatchFormat.ChecksumSize;
        var bytes = writer.WrittenSpan.ToArray();
        var kinds = new List<BatchKindSize>();
        for (int k = 0; k < KindNames.Length; k++)
            if (kindCounts[k] > 0) kinds.Add(new BatchKindSize(KindNames[k], kindCounts[k], kindBytes[k]));
        var sizes = new BatchSizes(bytes.Length, headerBytes, tableBytes, blockBytes, survey.Transactions, kinds)
        {
            ExplicitNonces = escapes.Nonces, Extras = escapes.Extras, EscapedExponents = escapes.Exponents,
        };
        return new EncodedBatch(bytes, header, sizes);
    }

    /// <summary>The hint mode that carries <paramref name="tx"/>'s hints in a block with <paramref name="beneficiary"/>.</summary>
    public static BatchHintMode HintModeOf(SenderTransaction tx, Address beneficiary)
    {
        if (tx.Hints is not { } hints) return BatchHintMode.None;
        var derived = tx.BuildHints(beneficiary);
        return hints.Reads.AsSpan().SequenceEqual(derived.Reads) && hints.Writes.AsSpan().SequenceEqual(derived.Writes)
            ? BatchHintMode.Derived
            : BatchHintMode.Explicit;
    }

    // How many transactions needed each escape from the implied or default value.
    private sealed class TransactionEscapes
    {
        public int Nonces, Extras, Exponents;
    }

    private sealed class BlockSurvey
    {
        public readonly Dictionary<Address, int> Uses = new();
        public readonly Dictionary<ulong, int> GasPrices = new();
        public readonly Dictionary<int, int> Works = new();
        public readonly int[] HintModes = new int[3];
        public int Transactions;

        public void Use(in Address address) => Uses[address] = Uses.GetValueOrDefault(address) + 1;
    }

    // One pass before writing: what the table and the header's defaults need, and refusal of foreign kinds.
    private static BlockSurvey Survey(IReadOnlyList<ChainBlock> blocks)
    {
        var survey = new BlockSurvey();
        var addresses = new List<Address>(4);
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            if (block.Number < 0) throw new ArgumentException($"block {block.Number}: negative block number");
            if (b > 0 && block.Number != blocks[b - 1].Number + 1)
                throw new ArgumentException($"block {block.Number} does not follow block {blocks[b - 1].Number}");
            survey.Use(block.Header.Beneficiary);
            for (int i = 0; i < block.Transactions.Count; i++)
            {
                var transaction = block.Transactions[i];
                if (transaction is not SenderTransaction tx || KindSlot(tx) < 0)
                    throw new NotSupportedException(
                        $"block {block.Number} transaction {i}: {transaction.GetType().FullName} has no batch encoding (a batch holds the built-in kinds only: {string.Join(", ", KindNames)})");
                addresses.Clear();
                AddressesOf(tx, addresses);
                foreach (var address in addresses) survey.Use(address);
                survey.GasPrices[tx.GasPrice] = survey.GasPrices.GetValueOrDefault(tx.GasPrice) + 1;
                survey.Works[tx.Work] = survey.Works.GetValueOrDefault(tx.Work) + 1;
                var mode = HintModeOf(tx, block.Header.Beneficiary);
                survey.HintModes[(int)mode]++;
                if (mode == BatchHintMode.Explicit)
                {
                    foreach (var key in tx.Hints!.Reads) survey.Use(key.Address);
                    foreach (var key in tx.Hints.Writes) survey.Use(key.Address);
                }
                survey.Transactions++;
            }
        }
        return survey;
    }

    private static int KindSlot(SenderTransaction tx) => tx switch
    {
        ValueTransfer => 0,
        TokenTransfer => 1,
        PoolSwap => 2,
        CounterMint => 3,
        _ => -1,
    };

    // The addresses a transaction names, in the order they are written.
    private static void AddressesOf(SenderTransaction tx, List<Address> addresses)
    {
        addresses.Add(tx.Sender);
        switch (tx)
        {
            case ValueTransfer v: addresses.Add(v.To); break;
            case TokenTransfer t: addresses.Add(t.Token); addresses.Add(t.To); break;
            case PoolSwap s: addresses.Add(s.Pool); addresses.Add(s.TokenIn); addresses.Add(s.TokenOut); break;
            case CounterMint m: addresses.Add(m.Collection); break;
        }
    }

    private static T MostCommon<T>(Dictionary<T, int> counts) where T : IComparable<T>
    {
        T best = default!;
        int bestCount = -1;
        foreach (var (value, count) in counts)
            if (count > bestCount || (count == bestCount && value.CompareTo(best) < 0)) (best, bestCount) = (value, count);
        return best;
    }

    private static void WriteHeader(ChainBufferWriter writer, BatchHeader header)
    {
        writer.WriteBytes(BatchFormat.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(writer.GetSpan(2), header.Version);
        ushort flags = (ushort)((header.UsesDirectory ? BatchFormat.UsesDirectory : 0) | (header.StartsAtGenesis ? BatchFormat.StartsAtGenesis : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(writer.GetSpan(2), flags);
        writer.WriteHash(header.PreviousRoot);
        writer.WriteHash(header.NewRoot);
        writer.WriteVarUInt64((ulong)header.FirstBlock);
        writer.WriteVarUInt64((ulong)header.BlockCount);
        writer.WriteVarUInt64((ulong)header.TransactionCount);
        writer.WriteVarUInt64(header.GasPrice);
        writer.WriteVarUInt64((ulong)header.Work);
        writer.WriteByte((byte)header.Hints);
        if (header.UsesDirectory)
        {
            writer.WriteVarUInt64((ulong)header.DirectoryCount);
            writer.WriteHash(header.DirectoryHash);
        }
    }

    private static void WriteTable(ChainBufferWriter writer, AddressTable table, AccountDirectory? directory)
    {
        writer.WriteVarUInt64((ulong)table.Entries.Count);
        foreach (var address in table.Entries)
        {
            if (directory is not null && directory.TryGetPosition(address, out int position))
            {
                writer.WriteVarUInt64((ulong)position + 1);
            }
            else
            {
                writer.WriteByte(0);
                writer.WriteAddress(address);
            }
        }
    }

    private static void WriteTransaction(ChainBufferWriter writer, SenderTransaction tx, BatchHeader header, AddressTable table, Address beneficiary,
        Dictionary<Address, ulong> nextNonce, TransactionEscapes escapes)
    {
        var (kind, amount) = tx switch
        {
            ValueTransfer v => (BatchTransactionKind.ValueTransfer, v.Value),
            TokenTransfer t => (BatchTransactionKind.TokenTransfer, t.Amount),
            PoolSwap s => (s.InIsToken0 ? BatchTransactionKind.PoolSwapToken0In : BatchTransactionKind.PoolSwapToken1In, s.AmountIn),
            _ => (BatchTransactionKind.CounterMint, UInt256.Zero),
        };
        var scaled = ScaledDecimal.Of(amount);
        bool impliedNonce = nextNonce.TryGetValue(tx.Sender, out ulong implied) && implied == tx.Nonce;
        if (tx.Nonce == ulong.MaxValue) nextNonce.Remove(tx.Sender);
        else nextNonce[tx.Sender] = tx.Nonce + 1;
        var hints = HintModeOf(tx, beneficiary);
        bool extras = tx.GasPrice != header.GasPrice || tx.Work != header.Work || hints != header.Hints;

        int head = (int)kind
                   | (impliedNonce ? 0 : BatchTransactionHead.ExplicitNonce)
                   | (extras ? BatchTransactionHead.HasExtras : 0)
                   | Math.Min(scaled.Exponent, BatchTransactionHead.ExponentEscape) << BatchTransactionHead.ExponentShift;
        writer.WriteByte((byte)head);
        if (!impliedNonce) escapes.Nonces++;
        if (extras) escapes.Extras++;
        if (scaled.Exponent >= BatchTransactionHead.ExponentEscape) escapes.Exponents++;
        if (scaled.Exponent >= BatchTransactionHead.ExponentEscape) writer.WriteByte((byte)scaled.Exponent);
        writer.WriteVarUInt64(table.ReferenceOf(tx.Sender));
        if (!impliedNonce) writer.WriteVarUInt64(tx.Nonce);
        if (extras)
        {
            bool price = tx.GasPrice != header.GasPrice, work = tx.Work != header.Work;
            writer.WriteByte((byte)((price ? BatchTransactionHead.ExtraGasPrice : 0) | (work ? BatchTransactionHead.ExtraWork : 0)
                                    | (int)hints << BatchTransactionHead.ExtraHintShift));
            if (price) writer.WriteVarUInt64(tx.GasPrice);
            if (work) writer.WriteVarUInt64((ulong)tx.Work);
        }
        switch (tx)
        {
            case ValueTransfer v:
                writer.WriteVarUInt64(table.ReferenceOf(v.To));
                break;
            case TokenTransfer t:
                writer.WriteVarUInt64(table.ReferenceOf(t.Token));
                writer.WriteVarUInt64(table.ReferenceOf(t.To));
                break;
            case PoolSwap s:
                writer.WriteVarUInt64(table.ReferenceOf(s.Pool));
                writer.WriteVarUInt64(table.ReferenceOf(s.TokenIn));
                writer.WriteVarUInt64(table.ReferenceOf(s.TokenOut));
                break;
            case CounterMint m:
                writer.WriteVarUInt64(table.ReferenceOf(m.Collection));
                break;
        }
        if (kind != BatchTransactionKind.CounterMint) Leb128.Write(writer, scaled.Mantissa);
        if (hints == BatchHintMode.Explicit)
        {
            WriteKeys(writer, tx.Hints!.Reads, table);
            WriteKeys(writer, tx.Hints.Writes, table);
        }
    }

    private static void WriteKeys(ChainBufferWriter writer, StateKey[] keys, AddressTable table)
    {
        writer.WriteVarUInt64((ulong)keys.Length);
        foreach (var key in keys)
        {
            writer.WriteVarUInt64(table.ReferenceOf(key.Address));
            writer.WriteByte((byte)key.Kind);
            if (key.Kind == StateKeyKind.Storage) Leb128.Write(writer, key.Slot);
        }
    }
}
