using ParallelExec.State;

namespace ParallelExec.Execution;

/// <summary>What every transaction of a block can see about the block.</summary>
public sealed record BlockHeader(long Number, Address Beneficiary);
