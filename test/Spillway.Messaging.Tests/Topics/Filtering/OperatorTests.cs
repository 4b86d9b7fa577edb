using Spillway.Messaging.Topics.Filtering;
using static Spillway.Messaging.Tests.Topics.Filtering.FilterCases;

namespace Spillway.Messaging.Tests.Topics.Filtering;

/// <summary>Each operator at its edges, on the body scope (the attribute scope reads the same conditions; its own
/// typing rules are in <see cref="AttributeScopeTests"/>).</summary>
public sealed class OperatorTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        // Exact values: strings are case-sensitive, numbers compare by value, types do not mix.
        { """{"a": ["Rugby"]}""", """{"a": "Rugby"}""", true },
        { """{"a": ["Rugby"]}""", """{"a": "rugby"}""", false },
        { """{"a": [5]}""", """{"a": 5.0}""", true },
        { """{"a": [5]}""", """{"a": 5e0}""", true },
        { """{"a": [5]}""", """{"a": "5"}""", false },
        { """{"a": ["5"]}""", """{"a": 5}""", false },
        { """{"a": [true]}""", """{"a": true}""", true },
        { """{"a": [true]}""", """{"a": "true"}""", false },
        { """{"a": [false]}""", """{"a": true}""", false },
        { """{"a": [null]}""", """{"a": null}""", true },
        { """{"a": [null]}""", """{}""", false },
        { """{"a": [null]}""", """{"a": "null"}""", false },

        // prefix, suffix and equals-ignore-case read strings only.
        { """{"a": [{"prefix": "ord"}]}""", """{"a": "order"}""", true },
        { """{"a": [{"prefix": "ord"}]}""", """{"a": "Order"}""", false },
        { """{"a": [{"prefix": "1"}]}""", """{"a": 12}""", false },
        { """{"a": [{"prefix": ""}]}""", """{"a": ""}""", true },
        { """{"a": [{"suffix": ".png"}]}""", """{"a": "image.png"}""", true },
        { """{"a": [{"suffix": ".png"}]}""", """{"a": "image.png.gz"}""", false },
        { """{"a": [{"equals-ignore-case": "ÉTÉ"}]}""", """{"a": "été"}""", true },
        { """{"a": [{"equals-ignore-case": "abc"}]}""", """{"a": "abcd"}""", false },

        // anything-but: a single value or a list, strings and numbers; never an absent key or a null.
        { """{"a": [{"anything-but": "x"}]}""", """{"a": "y"}""", true },
        { """{"a": [{"anything-but": "x"}]}""", """{"a": "x"}""", false },
        { """{"a": [{"anything-but": "x"}]}""", """{}""", false },
        { """{"a": [{"anything-but": "x"}]}""", """{"a": null}""", false },
        { """{"a": [{"anything-but": "x"}, {"exists": false}]}""", """{}""", true },
        { """{"a": [{"anything-but": 5}]}""", """{"a": 5.0}""", false },
        { """{"a": [{"anything-but": 5}]}""", """{"a": 6}""", true },
        { """{"a": [{"anything-but": [5, 6]}]}""", """{"a": "5"}""", true },
        { """{"a": [{"anything-but": ["x", "y"]}]}""", """{"a": ["x", "y"]}""", false },
        { """{"a": [{"anything-but": ["x", "y"]}]}""", """{"a": ["x", "z"]}""", true },
        { """{"a": [{"anything-but": {"prefix": "order-"}}]}""", """{"a": "order-1"}""", false },
        { """{"a": [{"anything-but": {"prefix": "order-"}}]}""", """{}""", false },
        { """{"a": [{"anything-but": {"suffix": ".tmp"}}]}""", """{"a": "x.tmp"}""", false },
        { """{"a": [{"anything-but": {"suffix": ".tmp"}}]}""", """{"a": "x.txt"}""", true },
        { """{"a": [{"anything-but": {"equals-ignore-case": "test"}}]}""", """{"a": "TEST"}""", false },
        { """{"a": [{"anything-but": {"equals-ignore-case": ["test", "dev"]}}]}""", """{"a": "Dev"}""", false },
        { """{"a": [{"anything-but": {"equals-ignore-case": ["test", "dev"]}}]}""", """{"a": "prod"}""", true },

        // numeric: every comparison at its bound, ranges open and closed, numbers only.
        { """{"a": [{"numeric": ["=", 10]}]}""", """{"a": 10.0}""", true },
        { """{"a": [{"numeric": ["=", 10]}]}""", """{"a": 10.00001}""", false },
        { """{"a": [{"numeric": ["<", 10]}]}""", """{"a": 10}""", false },
        { """{"a": [{"numeric": ["<", 10]}]}""", """{"a": 9.99999}""", true },
        { """{"a": [{"numeric": ["<=", 10]}]}""", """{"a": 10}""", true },
        { """{"a": [{"numeric": [">", 10]}]}""", """{"a": 10}""", false },
        { """{"a": [{"numeric": [">=", 10]}]}""", """{"a": 10}""", true },
        { """{"a": [{"numeric": [">=", 10]}]}""", """{"a": "11"}""", false },
        { """{"a": [{"numeric": [">=", 0, "<", 1]}]}""", """{"a": 0}""", true },
        { """{"a": [{"numeric": [">=", 0, "<", 1]}]}""", """{"a": 1}""", false },
        { """{"a": [{"numeric": [">", 0, "<=", 1]}]}""", """{"a": 1}""", true },
        { """{"a": [{"numeric": [">", -1000000000, "<", 1000000000]}]}""", """{"a": -5.5e8}""", true },
        { """{"a": [{"numeric": ["<", 0.3]}]}""", """{"a": 0.299999}""", true },

        // Numbers compare to six decimal places, as SNS compares them.
        { """{"a": [100.123456789]}""", """{"a": 100.1234567}""", true },
        { """{"a": [100.123456789]}""", """{"a": 100.123457}""", false },
        { """{"a": [{"numeric": ["=", 100.12345]}]}""", """{"a": 100.1234509}""", true },
        { """{"a": [{"numeric": ["<", 100.12345]}]}""", """{"a": 100.1234509}""", false },

        // cidr: IPv4 and IPv6 blocks; a string that is not an address never matches.
        { """{"ip": [{"cidr": "10.0.0.7/24"}]}""", """{"ip": "10.0.0.200"}""", true },
        { """{"ip": [{"cidr": "10.0.0.0/8"}]}""", """{"ip": "11.0.0.1"}""", false },
        { """{"ip": [{"cidr": "0.0.0.0/0"}]}""", """{"ip": "203.0.113.9"}""", true },
        { """{"ip": [{"cidr": "10.0.0.0/8"}]}""", """{"ip": "10.1"}""", false },
        { """{"ip": [{"cidr": "10.0.0.0/8"}]}""", """{"ip": "not an address"}""", false },
        { """{"ip": [{"cidr": "2001:db8::/32"}]}""", """{"ip": "2001:db8:1::5"}""", true },
        { """{"ip": [{"cidr": "2001:db8::/32"}]}""", """{"ip": "2001:db9::1"}""", false },
        { """{"ip": [{"cidr": "2001:db8::/32"}]}""", """{"ip": "10.0.0.1"}""", false },

        // exists: a non-null value at a leaf.
        { """{"a": [{"exists": true}]}""", """{"a": ""}""", true },
        { """{"a": [{"exists": true}]}""", """{"a": null}""", false },
        { """{"a": [{"exists": true}]}""", """{"a": []}""", false },
        { """{"a": [{"exists": true}]}""", """{"a": {"b": 1}}""", false },
        { """{"a": [{"exists": false}]}""", """{"a": null}""", true },
        { """{"a": [{"exists": false}]}""", """{"a": []}""", true },
        { """{"a": [{"exists": false}]}""", """{"a": 0}""", false },

        // $or at the top and nested, and the empty policy.
        { """{"a": ["x"], "$or": [{"b": ["y"]}, {"$or": [{"c": ["z"]}, {"d": [{"prefix": "w"}]}]}]}""",
            """{"a": "x", "d": "wet"}""", true },
        { """{"a": ["x"], "$or": [{"b": ["y"]}, {"$or": [{"c": ["z"]}, {"d": [{"prefix": "w"}]}]}]}""",
            """{"a": "x", "d": "dry"}""", false },
        { """{"$or": [{"a": ["x"], "b": ["y"]}, {"c": ["z"]}]}""", """{"a": "x", "b": "no"}""", false },
        { """{"$or": [{"a": ["x"], "b": ["y"]}, {"c": ["z"]}]}""", """{"a": "x", "b": "y"}""", true },
        { """{"order": {"$or": [{"kind": ["refund"]}, {"total": [{"numeric": [">", 1000]}]}]}}""",
            """{"order": {"kind": "sale", "total": 1500}}""", true },
        { """{"order": {"$or": [{"kind": ["refund"]}, {"total": [{"numeric": [">", 1000]}]}]}}""",
            """{"order": {"kind": "sale", "total": 15}}""", false },
        { """{}""", """{"anything": 1}""", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Operator_decides_the_body_value(string policy, string body, bool matches) =>
        Assert.Equal(matches, Matches(policy, FilterPolicyScope.MessageBody, body));
}
