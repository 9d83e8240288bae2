using System.Threading.Channels;

namespace ParallelExec.Storage;

/// <summary>
/// Channel operations for the pipeline's stage threads, which block instead of awaiting: each stage
/// owns a dedicated thread for the whole run (its work is long and CPU-bound, and a thread-pool
/// continuation would queue behind the hashing and prefetching the pool is running), so it waits on
/// the channel's task. The pipeline's own channels allow synchronous continuations: the writer (or
/// reader) that completes a wait only releases the blocked thread, it never runs a stage's code.
/// </summary>
internal static class ChannelHandoff
{
    /// <summary>A bounded channel of <paramref name="capacity"/> with one reader and one writer.</summary>
    public static Channel<T> Bounded<T>(int capacity, bool synchronousContinuations = true) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = synchronousContinuations,
        });

    /// <summary>
    /// Takes the next item, waiting for one. False when the writer completed the channel and every
    /// item was taken; the exception it completed the channel with is thrown instead, after the items
    /// written before it. Throws <see cref="OperationCanceledException"/> when <paramref name="stop"/>
    /// is cancelled while waiting (an item already there is still taken).
    /// </summary>
    public static bool Take<T>(ChannelReader<T> reader, CancellationToken stop, out T item)
    {
        while (!reader.TryRead(out item!))
        {
            if (!Wait(reader.WaitToReadAsync(stop))) return false;
        }
        return true;
    }

    /// <summary>
    /// Waits for the next item and returns it without taking it (<see cref="ChannelReader{T}.TryRead"/>
    /// takes it): a writer in <see cref="HandOver"/> goes on only then. False and exceptions as <see cref="Take"/>.
    /// </summary>
    public static bool Peek<T>(ChannelReader<T> reader, CancellationToken stop, out T item)
    {
        while (!reader.TryPeek(out item!))
        {
            if (!Wait(reader.WaitToReadAsync(stop))) return false;
        }
        return true;
    }

    /// <summary>Writes <paramref name="item"/>, waiting while the channel is full; never once <paramref name="stop"/> is cancelled.</summary>
    public static void Write<T>(ChannelWriter<T> writer, T item, CancellationToken stop)
    {
        stop.ThrowIfCancellationRequested();
        if (!writer.TryWrite(item)) Wait(writer.WriteAsync(item, stop));
    }

    /// <summary>
    /// Hands <paramref name="item"/> to the next stage and waits until that stage has taken it: on a
    /// channel of capacity 1 this is a rendezvous, so a stage never runs more than one block ahead of
    /// the next. Returns false when the item was not written (<paramref name="stop"/> was cancelled
    /// first: it is still the caller's); once written it is the channel's, even if the wait for the
    /// taker is then cancelled (an <see cref="OperationCanceledException"/>).
    /// </summary>
    public static bool HandOver<T>(ChannelWriter<T> writer, T item, CancellationToken stop)
    {
        try
        {
            Write(writer, item, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
        WaitTaken(writer, stop);
        return true;
    }

    /// <summary>
    /// Waits until the next stage has taken what was written to <paramref name="writer"/> (space again
    /// on a channel of capacity 1); <see cref="OperationCanceledException"/> when <paramref name="stop"/> is cancelled first.
    /// </summary>
    public static void WaitTaken<T>(ChannelWriter<T> writer, CancellationToken stop) => Wait(writer.WaitToWriteAsync(stop));

    private static void Wait(ValueTask task)
    {
        if (task.IsCompletedSuccessfully) return;
        task.AsTask().GetAwaiter().GetResult();
    }

    private static bool Wait(ValueTask<bool> task) =>
        task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
}
