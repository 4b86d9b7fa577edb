using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Spillway.EndToEnd.Tests.Support;

/// <summary>
/// Headless Debian chromium driven through its chromedriver (both installed by ./test.sh). The paths can be moved with
/// SPILLWAY_TEST_CHROMIUM and SPILLWAY_TEST_CHROMEDRIVER; nothing is ever downloaded.
/// </summary>
public sealed class Browser : IDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    private Browser(ChromeDriver driver) => Driver = driver;

    public ChromeDriver Driver { get; }

    public static Browser Start()
    {
        var chromium = Environment.GetEnvironmentVariable("SPILLWAY_TEST_CHROMIUM") ?? "/usr/bin/chromium";
        var chromedriver = Environment.GetEnvironmentVariable("SPILLWAY_TEST_CHROMEDRIVER") ?? "/usr/bin/chromedriver";
        if (!File.Exists(chromium) || !File.Exists(chromedriver))
        {
            Assert.Fail($"chromium ({chromium}) and chromedriver ({chromedriver}) are needed: run ./test.sh, which installs them " +
                "(scripts/browser.sh), or set SPILLWAY_TEST_CHROMIUM and SPILLWAY_TEST_CHROMEDRIVER.");
        }

        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1400",
            "--no-first-run", "--disable-extensions", "--disable-background-networking");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(chromedriver)!, Path.GetFileName(chromedriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new Browser(new ChromeDriver(service, options, TimeSpan.FromSeconds(60)));
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, re-reading the page; fails naming <paramref name="what"/>, with the
    /// page's text.
    /// </summary>
    public void WaitFor(string what, Func<IWebDriver, bool> condition, TimeSpan? timeout = null)
    {
        var wait = new WebDriverWait(Driver, timeout ?? DefaultWait) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        try
        {
            wait.Until(condition);
        }
        catch (WebDriverTimeoutException)
        {
            Assert.Fail($"timed out waiting for {what}; the page showed:\n{Driver.FindElement(By.TagName("body")).Text}");
        }
    }

    /// <summary>Waits until the element's text is <paramref name="expected"/>.</summary>
    public void WaitForText(By by, string expected, TimeSpan? timeout = null) =>
        WaitFor($"'{expected}' in {by}", d => d.FindElement(by).Text.Trim() == expected, timeout);

    /// <summary>Saves a PNG of the page under the test output and returns its path.</summary>
    public string Screenshot(string name)
    {
        var directory = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots"));
        var path = Path.Combine(directory.FullName, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}
