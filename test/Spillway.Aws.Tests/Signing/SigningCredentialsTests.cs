using Spillway.Aws.Signing;

namespace Spillway.Aws.Tests.Signing;

public sealed class SigningCredentialsTests
{
    [Fact]
    public void Configured_key_pair_becomes_the_accepted_key()
    {
        var credentials = SigningCredentials.Create([KeyValuePair.Create("ENVKEY", "env-secret")]);

        Assert.Equal(["ENVKEY"], credentials.AccessKeyIds);
        Assert.False(credentials.IsEmpty);
    }

    [Fact]
    public void Nothing_configured_means_no_credentials()
    {
        Assert.True(SigningCredentials.Create([]).IsEmpty);
        Assert.Same(SigningCredentials.None, SigningCredentials.Create([]));
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
