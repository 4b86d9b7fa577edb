using System.Text;
using Spillway.Gateway.Internal;

namespace Spillway.Gateway.Tests;

public sealed class EmailFormatTests
{
    [Theory]
    [InlineData("tanaka@example.com")]
    [InlineData("first.last+tag@sub.example.co.jp")]
    [InlineData("o'brien@example.ie")]
    [InlineData("user_name-1@xn--bcher-kva.example")]
    [InlineData("田中@例え.jp")]
    [InlineData("a@b.cd")]
    public void Accepts_addresses_people_use(string address)
        => Assert.True(EmailFormat.IsValid(Encoding.UTF8.GetBytes(address)));

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("@example.com")]
    [InlineData("user@")]
    [InlineData("user@example")]
    [InlineData("user@.example.com")]
    [InlineData("user@example..com")]
    [InlineData("user@-example.com")]
    [InlineData("user@example-.com")]
    [InlineData("user@exam_ple.com")]
    [InlineData("user@1.2.3.4")]
    [InlineData(".user@example.com")]
    [InlineData("user.@example.com")]
    [InlineData("us..er@example.com")]
    [InlineData("us er@example.com")]
    [InlineData("us\"er@example.com")]
    [InlineData("us<er>@example.com")]
    [InlineData("user@exa mple.com")]
    [InlineData("user\n@example.com")]
    [InlineData("user@@example.com")]
    public void Rejects_what_is_not_an_address(string address)
        => Assert.False(EmailFormat.IsValid(Encoding.UTF8.GetBytes(address)));

    [Fact]
    public void Rejects_a_local_part_over_64_characters()
    {
        Assert.True(EmailFormat.IsValid(Encoding.UTF8.GetBytes(new string('a', 64) + "@example.com")));
        Assert.False(EmailFormat.IsValid(Encoding.UTF8.GetBytes(new string('a', 65) + "@example.com")));
    }

    [Fact]
    public void Rejects_a_label_over_63_characters()
        => Assert.False(EmailFormat.IsValid(Encoding.UTF8.GetBytes("a@" + new string('b', 64) + ".com")));
}
