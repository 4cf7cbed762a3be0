using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Delivery.UnitTests.Telemetry;

/// <summary>One event id and one event name per kind of event, across every assembly of the worker.</summary>
public sealed class LogEventTests
{
    private static readonly Assembly[] Assemblies =
    [
        typeof(Delivery.Kinesis.Leases.LeaseCoordinator).Assembly,
        typeof(Delivery.Pipeline.DeliveryPipeline).Assembly,
        typeof(Delivery.Destinations.S3.S3BatchWriter).Assembly,
        typeof(Delivery.Worker.Configuration.DeliveryOptions).Assembly,
        typeof(Delivery.Aws.AwsOptions).Assembly,
        typeof(Delivery.Formats.IBatchFormatter).Assembly,
        typeof(Delivery.DirectPut.DirectPutOptions).Assembly,
    ];

    [Fact]
    public void EveryLogEvent_HasAnIdAndNameOfItsOwn()
    {
        List<(LoggerMessageAttribute Attribute, string Method)> events =
        [
            .. Assemblies.SelectMany(assembly => assembly.GetTypes())
                .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                .Select(method => (Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()!, Method: $"{method.DeclaringType!.FullName}.{method.Name}"))
                .Where(pair => pair.Attribute is not null),
        ];

        events.Count.ShouldBeGreaterThan(30);
        events.ShouldAllBe(e => e.Attribute.EventId > 0 && !string.IsNullOrEmpty(e.Attribute.EventName));
        string[] sharedIds = [.. events.GroupBy(e => e.Attribute.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}")];
        sharedIds.ShouldBeEmpty();
        string[] sharedNames = [.. events.GroupBy(e => e.Attribute.EventName).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}")];
        sharedNames.ShouldBeEmpty();
    }
}
