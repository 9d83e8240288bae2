namespace ParallelExec.AccessLists;

/// <summary>
/// Bounds on a block access list read from outside (RLP or JSON), checked before anything is
/// allocated for it: every element costs at least one input byte, so the byte bound also bounds
/// the memory a hostile list can take.
/// </summary>
public sealed record AccessListLimits
{
    /// <summary>The defaults: 16 MiB (EIP-7928 estimates the worst case at about 1 MiB for 36 M gas).</summary>
    public static readonly AccessListLimits Default = new();

    /// <summary>The largest accepted encoding, in bytes (JSON: characters).</summary>
    public int MaxBytes { get; init; } = 16 << 20;
}
