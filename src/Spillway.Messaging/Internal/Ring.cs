namespace Spillway.Messaging.Internal;

/// <summary>
/// A growable circular FIFO of unmanaged values (Queue&lt;T&gt; without version checks), whose first and last items can
/// be changed in place.
/// </summary>
internal sealed class Ring<T>
    where T : unmanaged
{
    private T[] items = new T[256];
    private int head;

    public int Count { get; private set; }

    public void Enqueue(T item)
    {
        if (Count == items.Length)
        {
            var bigger = new T[items.Length * 2];
            var firstPart = Math.Min(Count, items.Length - head);
            Array.Copy(items, head, bigger, 0, firstPart);
            Array.Copy(items, 0, bigger, firstPart, Count - firstPart);
            items = bigger;
            head = 0;
        }

        items[(head + Count) % items.Length] = item;
        Count++;
    }

    public ref T Peek() => ref items[head];

    public ref T PeekLast() => ref items[(head + Count - 1) % items.Length];

    public T Dequeue()
    {
        var item = items[head];
        head = (head + 1) % items.Length;
        Count--;
        if (Count == 0)
        {
            head = 0;
            if (items.Length > 1 << 16)
            {
                items = new T[256];
            }
        }

        return item;
    }

    public void Clear()
    {
        head = 0;
        Count = 0;
        items = new T[256];
    }
}
