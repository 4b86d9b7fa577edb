using Spillway.Sqs.Internal;

namespace Spillway.Sqs.Tests;

public sealed class ReceiptHandleTests
{
    // An engine handle whose base64url begins with '-', which a command line would take for an option.
    private const string DashEngineHandle = "-AAAAAAAAAAAAAAAAAAAAA";

    [Fact]
    public void A_handle_never_begins_with_a_dash_and_opens_back_to_the_engine_handle()
    {
        var handle = ReceiptHandles.Issue("orders", DashEngineHandle);

        Assert.NotEqual('-', handle[0]);
        Assert.Equal(DashEngineHandle, ReceiptHandles.Open("orders", handle));
    }

    [Fact]
    public void A_handle_of_another_queue_or_without_its_lead_letter_is_refused()
    {
        var handle = ReceiptHandles.Issue("orders", DashEngineHandle);

        Assert.Null(ReceiptHandles.TryOpen("invoices", handle));
        Assert.Null(ReceiptHandles.TryOpen("orders", handle[1..]));
    }
}
