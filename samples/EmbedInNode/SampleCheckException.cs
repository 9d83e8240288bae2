namespace EmbedInNode;

/// <summary>A check of the sample failed: the parallel chain and the sequential reference disagree.</summary>
public sealed class SampleCheckException(string message) : Exception(message);
