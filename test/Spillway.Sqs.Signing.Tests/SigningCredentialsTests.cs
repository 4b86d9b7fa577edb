using Spillway.Sqs.Signing;

namespace Spillway.Sqs.Signing.Tests;

public sealed class SigningCredentialsTests
{
    [Fact]
    public void Environment_pair_and_configured_keys_are_merged()
    {
        var environment = new Dictionary<string, string?>
        {
            [SigningCredentials.AccessKeyIdVariable] = "ENVKEY",
            [SigningCredentials.SecretAccessKeyVariable] = "env-secret",
        };

        var credentials = SigningCredentials.Load(name => environment.GetValueOrDefault(name), [KeyValuePair.Create("FILEKEY", "file-secret")]);

        Assert.Equal(["ENVKEY", "FILEKEY"], credentials.AccessKeyIds.Order());
        Assert.False(credentials.IsEmpty);
    }

    [Fact]
    public void Nothing_configured_means_no_credentials()
    {
        Assert.True(SigningCredentials.Load(_ => null, null).IsEmpty);
    }

    [Fact]
    public void Half_of_the_environment_pair_is_an_error_that_does_not_print_the_secret()
    {
        var error = Assert.Throws<ArgumentException>(() => SigningCredentials.Load(
            name => name == SigningCredentials.SecretAccessKeyVariable ? "very-secret-value" : null, null));

        Assert.Contains(SigningCredentials.AccessKeyIdVariable, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_never_appear_in_text()
    {
        var credentials = SigningCredentials.Create([KeyValuePair.Create("KEY1", "hidden-secret")]);

        Assert.Equal("1 access key(s): KEY1", credentials.ToString());
        var duplicate = Assert.Throws<ArgumentException>(() => SigningCredentials.Create(
            [KeyValuePair.Create("KEY1", "hidden-secret"), KeyValuePair.Create("KEY1", "other-secret")]));
        Assert.DoesNotContain("hidden-secret", duplicate.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("other-secret", duplicate.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SigningCredentials.Create([KeyValuePair.Create("bad key", "s")]));
        Assert.Throws<ArgumentException>(() => SigningCredentials.Create([KeyValuePair.Create("KEY2", "")]));
    }
}
