using System.Text;
using ParallelExec.Crypto;
using ParallelExec.Execution;
using ParallelExec.State;

namespace CustomTransaction;

/// <summary>
/// A node's own transaction kind: <see cref="Owner"/> registers <see cref="Name"/> in a name registry
/// for a fee. Its storage layout is its own, in the registry account's storage: the slot
/// <see cref="OwnerSlot"/> (Keccak-256 of "owner:" and the name) holds the owner's address, and the
/// slot <see cref="CountSlot"/> (Keccak-256 of "count:" and the owner) the number of names it holds.
/// The fee leaves the owner's balance and is credited to the block's beneficiary with a commutative
/// <see cref="ITransactionContext.Add"/>, so registrations of different names do not depend on each other.
/// </summary>
public sealed class NameRegistration : ITransaction
{
    /// <summary>The registry contract whose storage holds the names.</summary>
    public static readonly Address Registry = Address.Parse("0x000000000000000000000000000000000000a11a");

    /// <summary>What a registration costs, in the balance's unit.</summary>
    public static readonly UInt256 Fee = new(1_000);

    /// <summary>Names are 1 to this many bytes of UTF-8.</summary>
    public const int MaxNameBytes = 64;

    private readonly StateKey _ownerSlot;
    private readonly StateKey _countSlot;

    /// <summary>A registration of <paramref name="name"/> for <paramref name="owner"/>.</summary>
    public NameRegistration(Address owner, string name)
    {
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes is 0 or > MaxNameBytes) throw new ArgumentException($"a name is 1 to {MaxNameBytes} bytes of UTF-8, got {bytes}", nameof(name));
        Owner = owner;
        Name = name;
        _ownerSlot = OwnerSlot(name);
        _countSlot = CountSlot(owner);
    }

    /// <summary>Who registers the name and pays the fee.</summary>
    public Address Owner { get; }

    /// <summary>The name registered.</summary>
    public string Name { get; }

    /// <summary>The registry slot holding the owner of <paramref name="name"/> (zero while it is free).</summary>
    public static StateKey OwnerSlot(string name) => StateKey.Storage(Registry, Slot("owner:"u8, Encoding.UTF8.GetBytes(name)));

    /// <summary>The registry slot counting the names <paramref name="owner"/> holds.</summary>
    public static StateKey CountSlot(Address owner) => StateKey.Storage(Registry, Slot("count:"u8, owner.ToArray()));

    private static UInt256 Slot(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> id)
    {
        var preimage = new byte[prefix.Length + id.Length];
        prefix.CopyTo(preimage);
        id.CopyTo(preimage.AsSpan(prefix.Length));
        return Keccak256.Compute(preimage).ToUInt256();
    }

    /// <inheritdoc/>
    public ulong GasLimit => 60_000;

    /// <inheritdoc/>
    public void AppendLikelyKeys(List<StateKey> keys)
    {
        keys.Add(_ownerSlot);
        keys.Add(_countSlot);
        keys.Add(StateKey.Balance(Owner));
    }

    /// <inheritdoc/>
    public ExecutionOutcome Execute(ITransactionContext context)
    {
        context.UseGas(45_000);
        var current = context.Read(_ownerSlot);
        if (!current.IsZero) return ExecutionOutcome.Fail(FailureReason.Reverted, current == Owner.ToUInt256() ? "already yours" : "name taken");
        var balance = context.Read(StateKey.Balance(Owner));
        if (!UInt256.TrySubtract(balance, Fee, out var left)) return ExecutionOutcome.Fail(FailureReason.InsufficientBalance, "cannot pay the fee");
        context.Write(StateKey.Balance(Owner), left);
        context.Add(StateKey.Balance(context.Block.Beneficiary), Fee);
        context.Write(_ownerSlot, Owner.ToUInt256());
        context.Write(_countSlot, context.Read(_countSlot) + UInt256.One);
        return ExecutionOutcome.Success;
    }
}
