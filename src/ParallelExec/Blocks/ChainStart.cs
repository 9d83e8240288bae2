using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>The starting state of a chain file: an embedded genesis or a reference to a parent state root.</summary>
public sealed class ChainStart
{
    private ChainStart(ChainStartKind kind, InMemoryState? genesis, Hash256 parentRoot)
    {
        Kind = kind;
        Genesis = genesis;
        ParentRoot = parentRoot;
    }

    /// <summary>Whether the chain starts from an embedded genesis or from a parent state root.</summary>
    public ChainStartKind Kind { get; }

    /// <summary>The embedded starting state when <see cref="Kind"/> is Genesis; null otherwise.</summary>
    public InMemoryState? Genesis { get; }

    /// <summary>The parent state root when <see cref="Kind"/> is ParentRoot; zero otherwise.</summary>
    public Hash256 ParentRoot { get; }

    /// <summary>A chain that starts from <paramref name="genesis"/>, embedded in the file.</summary>
    public static ChainStart FromGenesis(InMemoryState genesis) =>
        new(ChainStartKind.Genesis, genesis ?? throw new ArgumentNullException(nameof(genesis)), default);

    /// <summary>A chain that continues a state with root <paramref name="root"/> (not embedded).</summary>
    public static ChainStart FromParentRoot(Hash256 root) => new(ChainStartKind.ParentRoot, null, root);
}
