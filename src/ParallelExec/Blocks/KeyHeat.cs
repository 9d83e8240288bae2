using ParallelExec.State;

namespace ParallelExec.Blocks;

/// <summary>How many transactions touched a state key: read it, wrote it, or credited it.</summary>
public sealed record KeyHeat(StateKey Key, int Transactions, int Readers, int Writers, int Crediters);
