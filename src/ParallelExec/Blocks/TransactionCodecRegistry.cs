using ParallelExec.Execution;

namespace ParallelExec.Blocks;

/// <summary>
/// Maps type bytes to codecs and transaction classes to codecs. <see cref="CreateDefault"/> has the
/// built-in kinds (1 ValueTransfer, 2 TokenTransfer, 3 PoolSwap, 4 CounterMint); a node registers its
/// own <see cref="ITransaction"/> types with <see cref="Register"/>. Register before sharing the
/// registry with readers and writers; lookups are then safe from any thread.
/// </summary>
public sealed class TransactionCodecRegistry
{
    private readonly ITransactionCodec?[] _byId = new ITransactionCodec?[256];
    private readonly Dictionary<Type, ITransactionCodec> _byType = new();

    /// <summary>A shared registry with only the built-in kinds. Do not register into it; create your own.</summary>
    public static TransactionCodecRegistry Default { get; } = CreateDefault();

    /// <summary>A new registry with the built-in kinds registered.</summary>
    public static TransactionCodecRegistry CreateDefault()
    {
        var registry = new TransactionCodecRegistry();
        registry.Register(new ValueTransferCodec());
        registry.Register(new TokenTransferCodec());
        registry.Register(new PoolSwapCodec());
        registry.Register(new CounterMintCodec());
        return registry;
    }

    /// <summary>Adds a codec. Type byte 0 is invalid; a type byte or class already registered is an error.</summary>
    public TransactionCodecRegistry Register(ITransactionCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (codec.TypeId == 0) throw new ArgumentException("type byte 0 is reserved", nameof(codec));
        if (_byId[codec.TypeId] is { } existing)
            throw new ArgumentException($"type byte {codec.TypeId} is already registered to {existing.TransactionType.Name}", nameof(codec));
        if (_byType.ContainsKey(codec.TransactionType))
            throw new ArgumentException($"{codec.TransactionType.Name} already has a codec", nameof(codec));
        _byId[codec.TypeId] = codec;
        _byType[codec.TransactionType] = codec;
        return this;
    }

    /// <summary>The codec registered for type byte <paramref name="typeId"/>, if any.</summary>
    public bool TryGet(byte typeId, out ITransactionCodec codec)
    {
        codec = _byId[typeId]!;
        return codec is not null;
    }

    /// <summary>The codec for a transaction's exact class; throws when none is registered.</summary>
    public ITransactionCodec For(ITransaction transaction) =>
        _byType.TryGetValue(transaction.GetType(), out var codec)
            ? codec
            : throw new ArgumentException($"no codec registered for transaction type {transaction.GetType().FullName}");
}
