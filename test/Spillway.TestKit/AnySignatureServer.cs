using Xunit;

namespace Spillway.TestKit;

/// <summary>
/// A real <c>spillway serve</c> with its default configuration and no AWS credentials, so the AWS APIs accept any
/// signature: the server the client-script tests share, one per test class.
/// </summary>
public sealed class AnySignatureServer : IAsyncLifetime
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-aws-clients-");
    private SpillwayProcess? process;

    public SpillwayProcess Process => process ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => process = await SpillwayProcess.StartAsync(
        Path.Combine(work.FullName, "data"),
        environment: SpillwayProcess.AnySignature());

    public async Task DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }

        work.Delete(recursive: true);
    }
}
