namespace Spillway.TestKit;

/// <summary>Finds the built executable next to this test assembly's build configuration.</summary>
public static class SpillwayPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>spillway.dll of the same configuration (Debug/Release) as the running tests.</summary>
    public static string SpillwayDll { get; } = FindSpillway();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Spillway.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Spillway.slnx not found above the test assembly");
    }

    private static string FindSpillway()
    {
        // The test output mirrors the executable's: bin/<Configuration>/net10.0.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var path = Path.Combine(RepositoryRoot, "src", "Spillway", "bin", configuration, framework.Name, "spillway.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the solution first", path);
    }
}
