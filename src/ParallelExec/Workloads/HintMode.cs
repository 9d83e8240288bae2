namespace ParallelExec.Workloads;

/// <summary>Which access hints generated transactions declare.</summary>
public enum HintMode
{
    /// <summary>No hints: read/write sets are found by speculative execution.</summary>
    None,
    /// <summary>Exact hints.</summary>
    Exact,
    /// <summary>Some transactions declare exact hints, some none, some wrong keys (the engine must stay exact).</summary>
    Unreliable,
}
