using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>One replayed block: what the file held, what execution produced, and the root after it.</summary>
public sealed record BlockReplay(ChainBlock Block, BlockResult Result, Hash256 Root, TimeSpan Execute, TimeSpan Apply, TimeSpan RootTime)
{
    /// <summary>True when the file recorded a root and it equals <see cref="Root"/>; null when unrecorded.</summary>
    public bool? Verified => Block.HasExpectedRoot ? Block.ExpectedRoot.Equals(Root) : null;
}
