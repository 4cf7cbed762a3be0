namespace Delivery.Destinations.Http.Presets;

/// <summary>
/// The partner services Firehose lists as HTTP endpoint destinations whose endpoint URL is published, one member per
/// service and kind of data (they take logs and metrics at different URLs). <see cref="PartnerPresets"/> holds each
/// one's URLs and the documentation they come from.
/// </summary>
public enum HttpEndpointPreset
{
    /// <summary>Datadog logs intake; sites US1, US3, US5, EU, AP1, GOV.</summary>
    DatadogLogs,

    /// <summary>Datadog CloudWatch metric stream intake; sites US1, US5, EU, AP1.</summary>
    DatadogMetrics,

    /// <summary>New Relic logs; sites US, EU.</summary>
    NewRelicLogs,

    /// <summary>New Relic CloudWatch metric stream; sites US, EU.</summary>
    NewRelicMetrics,

    /// <summary>Honeycomb Kinesis events into the dataset in <c>Dataset</c>; sites US, EU.</summary>
    Honeycomb,

    /// <summary>Coralogix; sites EU1, EU2, AP1, AP2, AP3, US1, US2.</summary>
    Coralogix,

    /// <summary>Splunk Observability Cloud CloudWatch metric stream; the site is the organization's realm (us0, eu0...).</summary>
    SplunkObservability,

    /// <summary>LogicMonitor; the site is the account (portal) name, as in https://ACCOUNT.logicmonitor.com.</summary>
    LogicMonitor,
}
