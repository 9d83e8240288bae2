using ParallelExec.State;

namespace ParallelExec.Stateless;

/// <summary>
/// An execution read a key its witness does not hold. Raised by <see cref="WitnessStateReader"/>; the
/// engine turns it into an <see cref="Execution.EngineFaultException"/>, which during speculation
/// only sends the transaction back to in-order execution, and in the committed execution fails the block.
/// </summary>
public sealed class WitnessKeyMissingException(StateKey key) : Exception($"the witness holds no value for {key}")
{
    /// <summary>The key read.</summary>
    public StateKey Key { get; } = key;
}
