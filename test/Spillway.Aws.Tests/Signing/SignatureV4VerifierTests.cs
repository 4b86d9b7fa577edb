using Spillway.Aws.Signing;
using Spillway.TestKit;

namespace Spillway.Aws.Tests.Signing;

public sealed class SignatureV4VerifierTests
{
    private static readonly SigningCredentials Credentials = SigningCredentials.Create(
    [
        KeyValuePair.Create(Botocore.AccessKeyId, Botocore.Secret),
        KeyValuePair.Create("SECONDKEY", "another-secret"),
    ]);

    private static SignatureResult Verify(SignedRequest request, DateTimeOffset? now = null) =>
        new SignatureV4Verifier(Credentials, new ManualTimeProvider(now ?? Botocore.SignedAt), "sqs").Verify(request);

    private static void AssertRefused(SignatureResult result, string code, int status, string? messageStart = null)
    {
        Assert.False(result.Succeeded, "the request was accepted");
        Assert.Equal(code, result.Error!.Code);
        Assert.Equal(status, result.Error.StatusCode);
        if (messageStart is not null)
        {
            Assert.StartsWith(messageStart, result.Error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Botocore.Secret, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_protocol_request_signed_by_botocore_is_accepted()
    {
        var request = Botocore.Sign(new SignSpec
        {
            Url = "http://127.0.0.1:9324/000000000000/orders",
            Body = "Action=SendMessage&QueueUrl=http%3A%2F%2F127.0.0.1%3A9324%2F000000000000%2Forders&MessageBody=%7B%22a%22%3A1%7D",
        });

        var result = Verify(request);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(Botocore.AccessKeyId, result.AccessKeyId);
    }

    [Fact]
    public void Json_protocol_request_with_target_header_is_accepted()
    {
        var request = Botocore.Sign(new SignSpec
        {
            Headers = new() { ["Content-Type"] = "application/x-amz-json-1.0", ["X-Amz-Target"] = "AmazonSQS.ListQueues" },
            Body = "{\"QueueNamePrefix\":\"or\"}",
            Region = "eu-west-1",
        });

        Assert.True(Verify(request).Succeeded, Verify(request).Error?.ToString());
    }

    [Fact]
    public void Query_string_and_encoded_path_take_part_in_the_signature()
    {
        var request = Botocore.Sign(new SignSpec
        {
            Method = "GET",
            Url = "http://localhost:4566/000000000000/a%20b%2Fc?Action=ListQueues&QueueNamePrefix=x%20y%2Bz&Empty=&Version=2012-11-05",
            Headers = [],
            Body = string.Empty,
        });

        Assert.True(Verify(request).Succeeded, Verify(request).Error?.ToString());
        AssertRefused(Verify(request.With(rawQuery: request.RawQuery.Replace("x%20y", "x%20w", StringComparison.Ordinal))),
            "SignatureDoesNotMatch", 403);
        AssertRefused(Verify(request.With(rawQuery: request.RawQuery + "&Extra=1")), "SignatureDoesNotMatch", 403);
        AssertRefused(Verify(request.With(rawPath: "/000000000000/a%20b%2Fd")), "SignatureDoesNotMatch", 403);
    }

    [Fact]
    public void Presigned_url_is_accepted_until_it_expires()
    {
        var request = Botocore.Sign(new SignSpec { Presign = true, Expires = 600, Body = "Action=ListQueues&QueueNamePrefix=o" });

        Assert.Contains("X-Amz-Signature=", request.RawQuery, StringComparison.Ordinal);
        Assert.True(Verify(request).Succeeded, Verify(request).Error?.ToString());
        Assert.True(Verify(request, Botocore.SignedAt.AddSeconds(600)).Succeeded);
        AssertRefused(Verify(request, Botocore.SignedAt.AddSeconds(601)), "RequestExpired", 400);
        var otherPrefix = request.RawQuery.Replace("QueueNamePrefix=o", "QueueNamePrefix=p", StringComparison.Ordinal);
        AssertRefused(Verify(request.With(rawQuery: otherPrefix)), "SignatureDoesNotMatch", 403);
        AssertRefused(Verify(request.With(body: "Action=DeleteQueue&QueueUrl=x")), "SignatureDoesNotMatch", 403);
    }

    [Fact]
    public void Wrong_secret_is_refused_as_signature_mismatch()
    {
        var request = Botocore.Sign(new SignSpec { Secret = "not-the-configured-secret" });

        AssertRefused(Verify(request), "SignatureDoesNotMatch", 403, "The request signature we calculated does not match");
    }

    [Fact]
    public void Second_configured_key_is_accepted_with_its_own_secret()
    {
        var request = Botocore.Sign(new SignSpec { AccessKeyId = "SECONDKEY", Secret = "another-secret" });

        Assert.Equal("SECONDKEY", Verify(request).AccessKeyId);
    }

    [Fact]
    public void Unknown_access_key_is_refused_as_invalid_client_token()
    {
        var request = Botocore.Sign(new SignSpec { AccessKeyId = "AKIAUNKNOWN", Secret = Botocore.Secret });

        AssertRefused(Verify(request), "InvalidClientTokenId", 403, "The security token included in the request is invalid.");
    }

    [Fact]
    public void Request_without_any_signature_is_refused_as_missing_token()
    {
        var request = Botocore.Sign(new SignSpec()).With(removeHeader: "Authorization");

        AssertRefused(Verify(request), "MissingAuthenticationToken", 403, "Request is missing Authentication Token");
    }

    [Fact]
    public void Authorization_header_missing_parts_is_refused_as_incomplete()
    {
        var request = Botocore.Sign(new SignSpec());
        var authorization = request.Headers.Single(h => h.Key == "Authorization").Value;
        var withoutSignature = authorization[..authorization.IndexOf(", Signature=", StringComparison.Ordinal)];

        var result = Verify(request.With(header: ("Authorization", withoutSignature)));

        AssertRefused(result, "IncompleteSignature", 400, "Authorization header requires 'Signature' parameter.");
        AssertRefused(Verify(request.With(header: ("Authorization", "AWS4-HMAC-SHA256 Credential=x/y"))), "IncompleteSignature", 400);
        AssertRefused(Verify(request.With(header: ("Authorization", "Bearer abc"))), "IncompleteSignature", 400);
        AssertRefused(Verify(request.With(removeHeader: "X-Amz-Date")), "IncompleteSignature", 400);
    }

    [Fact]
    public void Clock_skew_just_inside_five_minutes_is_accepted_either_way()
    {
        var request = Botocore.Sign(new SignSpec());

        Assert.True(Verify(request, Botocore.SignedAt + TimeSpan.FromMinutes(5)).Succeeded);
        Assert.True(Verify(request, Botocore.SignedAt - TimeSpan.FromMinutes(5)).Succeeded);
        Assert.True(Verify(request, Botocore.SignedAt + TimeSpan.FromSeconds(299)).Succeeded);
    }

    [Fact]
    public void Clock_skew_just_outside_five_minutes_is_refused_with_the_times()
    {
        var request = Botocore.Sign(new SignSpec());

        AssertRefused(
            Verify(request, Botocore.SignedAt + TimeSpan.FromSeconds(301)),
            "SignatureDoesNotMatch",
            403,
            "Signature expired: 20260314T150926Z is now earlier than 20260314T150927Z (20260314T151427Z - 5 min.)");
        AssertRefused(
            Verify(request, Botocore.SignedAt - TimeSpan.FromSeconds(301)),
            "SignatureDoesNotMatch",
            403,
            "Signature not yet current: 20260314T150926Z is still later than 20260314T150925Z (20260314T150425Z + 5 min.)");
    }

    [Fact]
    public void Tampered_body_is_refused()
    {
        var request = Botocore.Sign(new SignSpec { Body = "Action=SendMessage&MessageBody=pay%2010" });

        AssertRefused(Verify(request.With(body: "Action=SendMessage&MessageBody=pay%2099")), "SignatureDoesNotMatch", 403);
    }

    [Fact]
    public void Tampered_signed_header_is_refused()
    {
        var request = Botocore.Sign(new SignSpec
        {
            Headers = new() { ["Content-Type"] = "application/x-amz-json-1.0", ["X-Amz-Target"] = "AmazonSQS.ListQueues" },
            Body = "{}",
        });

        AssertRefused(Verify(request.With(header: ("X-Amz-Target", "AmazonSQS.PurgeQueue"))), "SignatureDoesNotMatch", 403);
        AssertRefused(Verify(request.With(header: ("Host", "evil.example:9324"))), "SignatureDoesNotMatch", 403);
    }

    [Fact]
    public void Content_sha256_header_must_match_the_body()
    {
        var body = "{\"QueueName\":\"q\"}";
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body)));
        var request = Botocore.Sign(new SignSpec { Headers = new() { ["X-Amz-Content-Sha256"] = hash }, Body = body });

        Assert.True(Verify(request).Succeeded, Verify(request).Error?.ToString());
        AssertRefused(Verify(request.With(body: "{\"QueueName\":\"r\"}")), "SignatureDoesNotMatch", 403);
    }

    [Fact]
    public void Unsigned_payload_is_accepted_only_for_an_empty_body()
    {
        var signed = Botocore.SignAll(
            new SignSpec { Headers = new() { ["X-Amz-Content-Sha256"] = "UNSIGNED-PAYLOAD" }, Body = string.Empty },
            new SignSpec { Headers = new() { ["X-Amz-Content-Sha256"] = "UNSIGNED-PAYLOAD" }, Body = "Action=DeleteQueue" });

        Assert.True(Verify(signed[0]).Succeeded, Verify(signed[0]).Error?.ToString());

        // The body is the whole SQS request: a signature that does not cover it must not authorise it.
        AssertRefused(Verify(signed[1]), "SignatureDoesNotMatch", 403);
        AssertRefused(Verify(signed[0].With(body: "Action=DeleteQueue")), "SignatureDoesNotMatch", 403);
    }

    [Fact]
    public void Credential_scope_for_another_service_is_refused()
    {
        var request = Botocore.Sign(new SignSpec());
        var authorization = request.Headers.Single(h => h.Key == "Authorization").Value.Replace("/sqs/", "/sns/", StringComparison.Ordinal);

        AssertRefused(Verify(request.With(header: ("Authorization", authorization))), "SignatureDoesNotMatch", 403,
            "Credential should be scoped to correct service");
    }
}
