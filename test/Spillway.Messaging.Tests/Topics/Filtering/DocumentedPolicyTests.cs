using Spillway.Messaging.Topics.Filtering;
using static Spillway.Messaging.Tests.Topics.Filtering.FilterCases;

namespace Spillway.Messaging.Tests.Topics.Filtering;

/// <summary>
/// The policies of SNS's filtering documentation, each with the messages it shows matching and not matching, on both
/// scopes: attribute messages in the envelope's shape, body messages as the JSON published.
/// </summary>
public sealed class DocumentedPolicyTests
{
    private const FilterPolicyScope Attributes = FilterPolicyScope.MessageAttributes;
    private const FilterPolicyScope Body = FilterPolicyScope.MessageBody;

    private const string StorePolicy = """
        {
          "store": ["example_corp"],
          "event": [{"anything-but": "order_cancelled"}],
          "customer_interests": ["rugby", "football", "baseball"],
          "price_usd": [{"numeric": [">=", 100]}]
        }
        """;

    public static TheoryData<string, FilterPolicyScope, string, bool> Cases => new()
    {
        // The overview's example: every key must match, any value of a key may.
        { StorePolicy, Attributes, """
            {"store": {"Type": "String", "Value": "example_corp"},
             "event": {"Type": "String", "Value": "order_placed"},
             "customer_interests": {"Type": "String.Array", "Value": "[\"soccer\", \"rugby\", \"hockey\"]"},
             "price_usd": {"Type": "Number", "Value": "210.75"}}
            """, true },
        { StorePolicy, Attributes, """
            {"store": {"Type": "String", "Value": "example_corp"},
             "event": {"Type": "String", "Value": "order_cancelled"},
             "customer_interests": {"Type": "String.Array", "Value": "[\"rugby\"]"},
             "price_usd": {"Type": "Number", "Value": "210.75"}}
            """, false },
        { StorePolicy, Attributes, """
            {"store": {"Type": "String", "Value": "example_corp"},
             "event": {"Type": "String", "Value": "order_placed"},
             "customer_interests": {"Type": "String", "Value": "rugby"},
             "price_usd": {"Type": "Number", "Value": "99.99"}}
            """, false },
        { StorePolicy, Body, """
            {"store": "example_corp", "event": "order_placed", "customer_interests": ["soccer", "rugby", "hockey"],
             "price_usd": 210.75}
            """, true },
        { StorePolicy, Body, """
            {"store": "example_corp", "event": "order_placed", "customer_interests": ["soccer", "hockey"],
             "price_usd": 210.75}
            """, false },

        // AND logic.
        { """{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}""", Attributes,
            """{"customer_interests": {"Type": "String", "Value": "rugby"}, "price_usd": {"Type": "Number", "Value": "100.5"}}""",
            true },
        { """{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}""", Body,
            """{"customer_interests": "rugby", "price_usd": 100}""", false },

        // OR logic within a key.
        { """{"customer_interests": ["rugby", "football", "baseball"]}""", Attributes,
            """{"customer_interests": {"Type": "String", "Value": "football"}}""", true },
        { """{"customer_interests": ["rugby", "football", "baseball"]}""", Body, """{"customer_interests": "hockey"}""", false },

        // The $or operator.
        { """{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}""",
            Attributes, """
            {"source": {"Type": "String", "Value": "aws.cloudwatch"}, "metricName": {"Type": "String", "Value": "CPUUtilization"}}
            """, true },
        { """{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}""",
            Body, """{"source": "aws.cloudwatch", "namespace": "AWS/EC2"}""", true },
        { """{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}""",
            Body, """{"source": "aws.cloudwatch", "namespace": "AWS/ES"}""", false },
        { """{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}""",
            Body, """{"source": "aws.ec2", "metricName": "CPUUtilization"}""", false },

        // Key matching.
        { """{"store": [{"exists": true}]}""", Attributes, """
            {"store": {"Type": "String", "Value": "fans"},
             "customer_interests": {"Type": "String.Array", "Value": "[\"baseball\", \"basketball\"]"}}
            """, true },
        { """{"store": [{"exists": true}]}""", Attributes,
            """{"customer_interests": {"Type": "String.Array", "Value": "[\"baseball\", \"basketball\"]"}}""", false },
        { """{"store": [{"exists": true}]}""", Body, """{"store": "fans", "customer_interests": ["baseball", "basketball"]}""",
            true },
        { """{"store": [{"exists": true}]}""", Body, """{"customer_interests": ["baseball", "basketball"]}""", false },
        { """{"store": [{"exists": false}]}""", Attributes,
            """{"customer_interests": {"Type": "String.Array", "Value": "[\"baseball\", \"basketball\"]"}}""", true },
        { """{"store": [{"exists": false}]}""", Attributes, """{"store": {"Type": "String", "Value": "fans"}}""", false },
        { """{"store": [{"exists": false}]}""", Attributes, "{}", false },
        { """{"store": [{"exists": false}]}""", Body, """{"customer_interests": ["baseball", "basketball"]}""", true },
        { """{"store": [{"exists": false}]}""", Body, """{"store": "fans"}""", false },

        // Numeric exact, anything-but and range matching.
        { """{"price_usd": [{"numeric": ["=", 301.5]}]}""", Attributes, """{"price_usd": {"Type": "Number", "Value": 301.5}}""",
            true },
        { """{"price_usd": [{"numeric": ["=", 301.5]}]}""", Attributes,
            """{"price_usd": {"Type": "Number", "Value": 3.015e2}}""", true },
        { """{"price_usd": [{"numeric": ["=", 301.5]}]}""", Body, """{"price_usd": 3.015e2}""", true },
        { """{"price_usd": [{"numeric": ["=", 301.5]}]}""", Body, """{"price_usd": 301.4}""", false },
        { """{"price": [{"anything-but": [100, 500]}]}""", Attributes, """{"price": {"Type": "Number", "Value": 100.1}}""", true },
        { """{"price": [{"anything-but": [100, 500]}]}""", Attributes,
            """{"price": {"Type": "Number.Array", "Value": "[100, 50]"}}""", true },
        { """{"price": [{"anything-but": [100, 500]}]}""", Attributes, """{"price": {"Type": "Number", "Value": 100}}""", false },
        { """{"price": [{"anything-but": [100, 500]}]}""", Body, """{"price": [100, 50]}""", true },
        { """{"price": [{"anything-but": [100, 500]}]}""", Body, """{"price": 500}""", false },
        { """{"price_usd": [{"numeric": ["<", 0]}]}""", Body, """{"price_usd": -0.5}""", true },
        { """{"price_usd": [{"numeric": ["<", 0]}]}""", Body, """{"price_usd": 0}""", false },
        { """{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}""", Attributes,
            """{"price_usd": {"Type": "Number", "Value": "150"}}""", true },
        { """{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}""", Attributes,
            """{"price_usd": {"Type": "Number", "Value": "0"}}""", false },
        { """{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}""", Body, """{"price_usd": 150.00001}""", false },

        // String exact, anything-but, prefix, suffix, equals-ignore-case and anything-but with prefix.
        { """{"customer_interests": ["rugby", "tennis"]}""", Attributes,
            """{"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\", \"tennis\"]"}}""", true },
        { """{"customer_interests": ["rugby", "tennis"]}""", Attributes,
            """{"customer_interests": {"Type": "String.Array", "Value": "[\"baseball\"]"}}""", false },
        { """{"customer_interests": ["rugby", "tennis"]}""", Body, """{"customer_interests": "tennis"}""", true },
        { """{"customer_interests": ["rugby", "tennis"]}""", Body, """{"customer_interests": "baseball"}""", false },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", Attributes,
            """{"customer_interests": {"Type": "String", "Value": "football"}}""", true },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", Attributes,
            """{"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\", \"baseball\"]"}}""", true },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", Body,
            """{"customer_interests": ["rugby", "baseball"]}""", true },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", Body, """{"customer_interests": "rugby"}""",
            false },
        { """{"event": [{"anything-but": {"prefix": "order-"}}]}""", Attributes,
            """{"event": {"Type": "String", "Value": "data-entry"}}""", true },
        { """{"event": [{"anything-but": {"prefix": "order-"}}]}""", Attributes,
            """{"event": {"Type": "String", "Value": "order-cancelled"}}""", false },
        { """{"event": [{"anything-but": {"prefix": "order-"}}]}""", Body, """{"event": "order_number"}""", true },
        { """{"customer_interests": [{"prefix": "bas"}]}""", Attributes,
            """{"customer_interests": {"Type": "String", "Value": "basketball"}}""", true },
        { """{"customer_interests": [{"prefix": "bas"}]}""", Body, """{"customer_interests": "rugby"}""", false },
        { """{"customer_interests": [{"suffix": "ball"}]}""", Attributes,
            """{"customer_interests": {"Type": "String", "Value": "baseball"}}""", true },
        { """{"customer_interests": [{"suffix": "ball"}]}""", Body, """{"customer_interests": "rugby"}""", false },
        { """{"customer_interests": [{"equals-ignore-case": "tennis"}]}""", Attributes,
            """{"customer_interests": {"Type": "String", "Value": "TENNIS"}}""", true },
        { """{"customer_interests": [{"equals-ignore-case": "tennis"}]}""", Body, """{"customer_interests": "Tennis"}""", true },
        { """{"customer_interests": [{"equals-ignore-case": "tennis"}]}""", Body, """{"customer_interests": "tennis ball"}""",
            false },

        // IP address matching.
        { """{"source_ip": [{"cidr": "10.0.0.0/24"}]}""", Attributes, """{"source_ip": {"Type": "String", "Value": "10.0.0.0"}}""",
            true },
        { """{"source_ip": [{"cidr": "10.0.0.0/24"}]}""", Body, """{"source_ip": "10.0.0.255"}""", true },
        { """{"source_ip": [{"cidr": "10.0.0.0/24"}]}""", Body, """{"source_ip": "10.1.1.0"}""", false },

        // Payload-based filtering: a nested policy against a nested body.
        { """{"store": ["example_corp"], "customer": {"interests": ["rugby", "football"]}}""", Body,
            """{"store": "example_corp", "customer": {"name": "A", "interests": ["hockey", "football"]}}""", true },
        { """{"store": ["example_corp"], "customer": {"interests": ["rugby", "football"]}}""", Body,
            """{"store": "example_corp", "customer": {"interests": ["hockey"]}}""", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Documented_policy_decides_each_example_message_as_SNS_does(
        string policy, FilterPolicyScope scope, string message, bool matches) =>
        Assert.Equal(matches, Matches(policy, scope, message));
}
