namespace ParallelExec.State;

/// <summary>The final value a block left at one state location.</summary>
public readonly record struct StateChange(StateKey Key, UInt256 Value);
