namespace Spillway.Aws.Tests;

public sealed class ArnTests
{
    [Fact]
    public void An_arn_formats_and_parses_back()
    {
        var arn = Arn.Of("sqs", "us-east-1", "000000000000", "orders");

        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:orders", arn.ToString());
        Assert.True(Arn.TryParse(arn.ToString(), out var parsed));
        Assert.Equal(arn, parsed);
    }

    [Theory]
    [InlineData("arn:aws:kinesis:eu-west-1:123456789012:stream/orders", "kinesis", "stream/orders")]
    [InlineData("arn:aws:sns:us-east-1:123456789012:topic:5f1e2d", "sns", "topic:5f1e2d")]
    [InlineData("arn:aws:s3:::bucket/key", "s3", "bucket/key")]
    public void The_resource_keeps_its_colons_and_slashes(string text, string service, string resource)
    {
        Assert.True(Arn.TryParse(text, out var arn));
        Assert.Equal((service, resource), (arn.Service, arn.Resource));
        Assert.Equal(text, arn.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("orders")]
    [InlineData("arn:aws:sqs:us-east-1:000000000000")]
    [InlineData("arn:aws:sqs:us-east-1:000000000000:")]
    [InlineData("arn::sqs:r:a:q")]
    [InlineData("urn:aws:sqs:r:a:q")]
    public void Text_that_is_not_an_arn_is_refused(string? text)
    {
        Assert.False(Arn.TryParse(text, out _));
    }

    [Fact]
    public void Account_settings_validate_and_make_arns()
    {
        var account = new AwsAccount { AccountId = "123456789012", Region = "eu-west-1" };

        Assert.Equal("arn:aws:sns:eu-west-1:123456789012:alerts", account.Arn("sns", "alerts").ToString());
        Assert.True(AwsAccount.IsValidAccountId("000000000000"));
        Assert.False(AwsAccount.IsValidAccountId("12345"));
        Assert.False(AwsAccount.IsValidAccountId("12345678901x"));
        Assert.True(AwsAccount.IsValidRegion("ap-southeast-2"));
        Assert.False(AwsAccount.IsValidRegion("US-EAST-1"));
        Assert.False(AwsAccount.IsValidRegion(""));
    }
}
