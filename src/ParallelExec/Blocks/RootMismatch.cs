using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>A block whose computed post-state root differs from the root recorded in the file.</summary>
public sealed record RootMismatch(long BlockNumber, Hash256 Expected, Hash256 Actual)
{
    public override string ToString() => $"block {BlockNumber}: state root mismatch: expected {Expected}, got {Actual}";
}
