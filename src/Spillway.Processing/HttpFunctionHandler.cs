using System.Buffers;
using System.Net.Http.Headers;
using Spillway.Processing.Internal;

namespace Spillway.Processing;

/// <summary>
/// Invokes a function over HTTP, so handlers can be written in any language (Node, Python, ...): each batch is POSTed as
/// the JSON event Lambda hands an SQS-triggered function (<c>{"Records":[...]}</c>), and a partial batch response
/// (<c>{"batchItemFailures":[{"itemIdentifier":"&lt;messageId&gt;"}]}</c>) is honoured exactly as Lambda honours it.
/// A batch from a stream is POSTed as the Kinesis event instead, its failures naming sequence numbers.
/// A non-2xx status, no answer within <see cref="HttpFunctionOptions.Timeout"/>, or an invalid answer fails the whole
/// batch (<see cref="HttpFunctionException"/>).
/// </summary>
public sealed class HttpFunctionHandler : IMessageHandler, IDisposable
{
    // Lambda's own cap on a synchronous response; a larger answer is not a partial batch response.
    private const int MaxAnswerBytes = 6 * 1024 * 1024;
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient client;
    private readonly bool ownsClient;

    /// <summary>Creates a handler; without <paramref name="httpClient"/> it makes (and disposes) its own.</summary>
    public HttpFunctionHandler(HttpFunctionOptions options, HttpClient? httpClient = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        ownsClient = httpClient is null;
        client = httpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            // The per-invocation timeout below is the one that counts, on the handler's clock.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The handler's settings.</summary>
    public HttpFunctionOptions Options { get; }

    /// <inheritdoc />
    public async ValueTask<BatchOutcome> HandleAsync(MessageBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var body = new ArrayBufferWriter<byte>(1024);
        if (batch.Stream is { } stream)
        {
            KinesisEventWriter.Write(body, stream, Options.Region);
        }
        else
        {
            SqsEventWriter.Write(body, batch, Options.Region, Options.AccountId);
        }

        using var timeout = new CancellationTokenSource(Options.Timeout, Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, Options.Url)
        {
            Content = new ReadOnlyMemoryContent(body.WrittenMemory) { Headers = { ContentType = JsonContentType } },
        };

        byte[] answer;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpFunctionException(
                    $"The function at {Options.SafeUrl} answered {(int)response.StatusCode}; the whole batch failed.");
            }

            if (response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                throw new HttpFunctionException($"The function at {Options.SafeUrl} answered more than {MaxAnswerBytes} bytes.");
            }

            answer = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HttpFunctionException(
                $"The function at {Options.SafeUrl} did not answer within {Options.Timeout}; the whole batch failed.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new HttpFunctionException($"The function at {Options.SafeUrl} could not be reached: {ex.HttpRequestError}.", ex);
        }

        if (answer.Length > MaxAnswerBytes)
        {
            throw new HttpFunctionException($"The function at {Options.SafeUrl} answered more than {MaxAnswerBytes} bytes.");
        }

        return BatchResponseReader.Read(answer, batch);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (ownsClient)
        {
            client.Dispose();
        }
    }
}
