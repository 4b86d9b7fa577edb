using Spillway.Messaging.Topics.Filtering;
using static Spillway.Messaging.Tests.Topics.Filtering.FilterCases;

namespace Spillway.Messaging.Tests.Topics.Filtering;

/// <summary>One message evaluated against many subscriptions' policies, as a publish fans out.</summary>
public sealed class FilterMessageTests
{
    private static readonly string[] Kinds = ["sale", "refund", "exchange", "quote", "void"];

    [Fact]
    public void One_message_decides_every_policy_of_both_scopes()
    {
        var message = Attributes(
            """{"kind": {"Type": "String", "Value": "refund"}}""",
            body: """{"order": {"kind": "sale", "total": 120}}""");

        var decisions = Kinds.Select(kind => (
            Attributes: FilterPolicy.Parse($$"""{"kind": ["{{kind}}"]}""").Matches(message),
            Body: FilterPolicy.Parse($$$"""{"order": {"kind": ["{{{kind}}}"]}}""", FilterPolicyScope.MessageBody).Matches(message)))
            .ToList();

        Assert.Equal([false, true, false, false, false], decisions.Select(d => d.Attributes));
        Assert.Equal([true, false, false, false, false], decisions.Select(d => d.Body));
    }

    [Fact]
    public void Message_shared_by_threads_gives_each_the_same_answers()
    {
        var policies = Enumerable.Range(0, 40)
            .Select(i => FilterPolicy.Parse(
                $$$"""{"order": {"total": [{"numeric": [">", {{{i * 10}}}]}]}}""", FilterPolicyScope.MessageBody))
            .ToArray();

        for (var round = 0; round < 20; round++)
        {
            // A fresh message each round, so the threads race to read its body first.
            var message = Body("""{"order": {"kind": "sale", "total": 205}}""");
            var answers = new bool[policies.Length];
            Parallel.For(0, policies.Length, i => answers[i] = policies[i].Matches(message));
            Assert.Equal(21, answers.Count(a => a));
            Assert.All(answers.Take(21), Assert.True);
        }
    }

    [Fact]
    public void Evaluating_a_message_allocates_nothing_once_it_has_been_read()
    {
        var message = Attributes(
            """{"kind": {"Type": "String", "Value": "sale"}, "tags": {"Type": "String.Array", "Value": "[\"a\", \"b\"]"}}""",
            body: """{"Records": [{"eventName": "ObjectRemoved:Delete"}, {"eventName": "ObjectCreated:Put", "size": 2048}]}""");
        FilterPolicy[] policies =
        [
            FilterPolicy.Parse("""{"kind": ["sale", "refund"], "tags": [{"anything-but": ["c"]}]}"""),
            FilterPolicy.Parse("""{"kind": [{"prefix": "ref"}], "$or": [{"tags": ["z"]}, {"other": [{"exists": false}]}]}"""),
            FilterPolicy.Parse("""{"Records": {"eventName": [{"prefix": "ObjectCreated:"}], "size": [{"numeric": [">", 1024]}]}}""",
                FilterPolicyScope.MessageBody),
            FilterPolicy.Parse("""{"Records.eventName": [{"equals-ignore-case": "objectcreated:put"}]}""", FilterPolicyScope.MessageBody),
            FilterPolicy.Parse("""{"Records": {"eventName": [{"suffix": ":Copy"}]}}""", FilterPolicyScope.MessageBody),
        ];

        var expected = policies.Select(policy => policy.Matches(message)).ToArray();
        Assert.Equal([true, false, true, true, false], expected);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 1000; round++)
        {
            foreach (var policy in policies)
            {
                policy.Matches(message);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
