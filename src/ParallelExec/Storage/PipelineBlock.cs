using ParallelExec.AccessLists;
using ParallelExec.Blocks;
using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// A block for a <see cref="ChainPipeline"/>: the block, its hash (recorded with it), execution
/// options, and an optional check of its root (false: the block is not committed and the run stops;
/// overlapped, the check runs on the pipeline's root stage thread).
/// </summary>
public sealed record PipelineBlock(Block Block, Hash256 Hash, ExecutionOptions? Options = null, Func<Hash256, bool>? Accept = null)
{
    /// <summary>
    /// A block of a chain file as a replay runs it: its recorded dependency graph as hints (when the
    /// options use them), its recorded access list (strict) with <see cref="ReplayOptions.UseAccessLists"/>
    /// (<see cref="InvalidDataException"/> when it has none) and, with <see cref="ReplayOptions.Verify"/>,
    /// a check against its recorded root.
    /// </summary>
    internal static PipelineBlock FromChain(ChainBlock block, in Hash256 hash, ReplayOptions options, ExecutionOptions executionOptions)
    {
        var expected = block.ExpectedRoot;
        Func<Hash256, bool>? accept = options.Verify && block.HasExpectedRoot ? root => root.Equals(expected) : null;
        var execution = options.UseRecordedDependencies && block.Dependencies is { } recorded
            ? executionOptions with { DependencyHints = recorded }
            : executionOptions;
        if (options.UseAccessLists)
        {
            if (block.AccessList is not { } list)
                throw new InvalidDataException($"block {block.Block.Header.Number} has no recorded access list (parallelexec record adds them)");
            execution = execution with { AccessList = AccessListInput.From(list, AccessListMode.Strict) };
        }
        return new PipelineBlock(block.Block, hash, execution, accept);
    }

    /// <summary>Throws for a null pipeline block or a pipeline block without a block.</summary>
    internal static void Check(PipelineBlock? block)
    {
        if (block is null) throw new ArgumentException("a pipeline block is null", "blocks");
        ArgumentNullException.ThrowIfNull(block.Block, "blocks");
    }
}
