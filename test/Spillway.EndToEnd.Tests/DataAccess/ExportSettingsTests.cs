using Spillway.EndToEnd.Tests.Support;

namespace Spillway.EndToEnd.Tests.DataAccess;

/// <summary>The export pacing settings, seen from the command line.</summary>
public sealed class ExportSettingsTests : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("spillway-e2e-export-settings-");

    [Theory]
    [InlineData("--Spillway:Exports:MaxRowsPerSecond=-1", "Spillway:Exports:MaxRowsPerSecond")]
    [InlineData("--Spillway:Exports:BusyMaxRowsPerSecond=100000001", "Spillway:Exports:BusyMaxRowsPerSecond")]
    [InlineData("--Spillway:Exports:IngestBusyMessagesPerSecond=0", "Spillway:Exports:IngestBusyMessagesPerSecond")]
    public async Task A_bad_pacing_setting_stops_start_up_naming_the_key(string setting, string key)
    {
        var (exitCode, output) = await SpillwayProcess.RunToExitAsync(
            ["serve", "--urls", $"http://127.0.0.1:{SpillwayProcess.FreePort()}", "--data-dir", work.FullName, setting]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(key, output, StringComparison.Ordinal);
    }

    public void Dispose() => work.Delete(recursive: true);
}
