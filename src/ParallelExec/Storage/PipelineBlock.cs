using ParallelExec.Execution;
using ParallelExec.State;

namespace ParallelExec.Storage;

/// <summary>
/// A block for <see cref="ChainPipeline.Run"/>: the block, its hash (recorded with it), execution
/// options, and an optional check of its root (false: the block is not committed and the run stops;
/// overlapped, the check runs on the pipeline's background thread).
/// </summary>
public sealed record PipelineBlock(Block Block, Hash256 Hash, ExecutionOptions? Options = null, Func<Hash256, bool>? Accept = null);
