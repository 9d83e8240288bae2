using ParallelExec.Blocks;

namespace ParallelExec.Batches;

/// <summary>A batch as <see cref="BatchDecoder"/> read it: its header and its blocks (transactions and recorded roots).</summary>
public sealed record DecodedBatch(BatchHeader Header, IReadOnlyList<ChainBlock> Blocks, IReadOnlyList<State.Address> Table);
