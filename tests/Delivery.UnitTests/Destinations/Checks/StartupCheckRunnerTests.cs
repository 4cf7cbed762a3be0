using Delivery.Destinations.Checks;
using Delivery.Testing;
using Microsoft.Extensions.Logging;

namespace Delivery.UnitTests.Destinations.Checks;

public sealed class StartupCheckRunnerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly StartupCheckRunner _runner;

    public StartupCheckRunnerTests()
    {
        ILogger<StartupCheckRunner> logger = LoggerFactory.Create(builder => builder.AddProvider(_logs)).CreateLogger<StartupCheckRunner>();
        _runner = new StartupCheckRunner(_time, logger);
    }

    [Fact]
    public async Task ChecksThatPass_ReportNoFailure_AndAreLoggedOnce()
    {
        var bucket = new FakeCheck("Delivery:Pipelines:clicks:S3:BucketName", CheckOutcome.Ok);
        var backup = new FakeCheck("Delivery:Pipelines:clicks:Backup:BucketName", CheckOutcome.Ok);

        IReadOnlyList<DestinationCheckFailure> failures = await _runner.RunAsync(Checks(("clicks", [bucket, backup])), CancellationToken.None);

        failures.ShouldBeEmpty();
        (bucket.Attempts, backup.Attempts).ShouldBe((1, 1));
        _logs.Entries.Count(e => e.EventId.Name == "DestinationCheckPassed").ShouldBe(2);
    }

    [Fact]
    public async Task APermanentFailure_IsReportedAtOnce_NamingThePipelineTheSettingAndTheReason()
    {
        var bucket = new FakeCheck("Delivery:Pipelines:clicks:S3:BucketName", CheckOutcome.Permanent("S3.NoSuchBucket: the bucket does not exist"));

        IReadOnlyList<DestinationCheckFailure> failures = await _runner.RunAsync(Checks(("clicks", [bucket])), CancellationToken.None);

        bucket.Attempts.ShouldBe(1, "a permanent failure is not retried");
        failures.ShouldHaveSingleItem().ToString().ShouldBe("pipeline clicks: Delivery:Pipelines:clicks:S3:BucketName: S3.NoSuchBucket: the bucket does not exist");
        _logs.Entries.ShouldContain(e => e.EventId.Name == "DestinationCheckFailed" && e.Level == LogLevel.Critical);
    }

    [Fact]
    public async Task ATransientFailure_IsRetried_UntilTheDestinationComesUp()
    {
        var endpoint = new FakeCheck("Delivery:Pipelines:logs:HttpEndpoint:Url",
            CheckOutcome.Transient("connection refused"), CheckOutcome.Transient("connection refused"), CheckOutcome.Transient("connection refused"), CheckOutcome.Ok);

        Task<IReadOnlyList<DestinationCheckFailure>> run = _runner.RunAsync(Checks(("logs", [endpoint])), CancellationToken.None);
        await AdvanceUntilDoneAsync(run, TimeSpan.FromMinutes(2));

        (await run).ShouldBeEmpty();
        endpoint.Attempts.ShouldBe(4);
        _logs.Entries.Count(e => e.EventId.Name == "DestinationCheckRetrying").ShouldBe(3);
    }

    [Fact]
    public async Task ATransientFailure_FailsTheStartAfterTheBoundedTime_AndNotBefore()
    {
        var endpoint = new FakeCheck("Delivery:Pipelines:logs:HttpEndpoint:Url", CheckOutcome.Transient("HTTP 503"));
        DateTimeOffset start = _time.GetUtcNow();

        Task<IReadOnlyList<DestinationCheckFailure>> run = _runner.RunAsync(Checks(("logs", [endpoint])), CancellationToken.None);
        await _time.AdvanceUntilAsync(() => _time.GetUtcNow() - start >= TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(1));
        run.IsCompleted.ShouldBeFalse("a transient failure is retried for 60 s");
        await AdvanceUntilDoneAsync(run, TimeSpan.FromMinutes(2));

        (_time.GetUtcNow() - start).ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(61));
        (await run).ShouldHaveSingleItem().Reason.ShouldStartWith("HTTP 503 (still failing after 6");
    }

    [Fact]
    public async Task ACheckThatNeverAnswers_IsCutShort_AndTheStartIsStillBounded()
    {
        var silent = new FakeCheck("Delivery:Pipelines:wh:Redshift:ConnectionString") { Hangs = true };
        DateTimeOffset start = _time.GetUtcNow();

        Task<IReadOnlyList<DestinationCheckFailure>> run = _runner.RunAsync(Checks(("wh", [silent])), CancellationToken.None);
        await AdvanceUntilDoneAsync(run, TimeSpan.FromMinutes(3));

        (_time.GetUtcNow() - start).ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(66));
        (await run).ShouldHaveSingleItem().Reason.ShouldStartWith($"no answer from {silent.Target} within ");
        silent.Attempts.ShouldBeGreaterThan(3);
    }

    [Fact]
    public async Task APipeline_StopsAtItsFirstFailure_AndEveryFailingPipelineIsReported()
    {
        var aBucket = new FakeCheck("Delivery:Pipelines:a:S3:BucketName", CheckOutcome.Permanent("S3.AccessDenied"));
        var aBackup = new FakeCheck("Delivery:Pipelines:a:Backup:BucketName", CheckOutcome.Ok);
        var b = new FakeCheck("Delivery:Pipelines:b:S3:BucketName", CheckOutcome.Ok);
        var c = new FakeCheck("Delivery:Pipelines:c:HttpEndpoint:Url", CheckOutcome.Permanent("the host 'x.invalid' does not resolve"));

        IReadOnlyList<DestinationCheckFailure> failures = await _runner.RunAsync(Checks(("a", [aBucket, aBackup]), ("b", [b]), ("c", [c])), CancellationToken.None);

        failures.Select(f => f.Pipeline).ShouldBe(["a", "c"], ignoreOrder: true);
        aBackup.Attempts.ShouldBe(0, "the pipeline's later checks would mostly repeat its first failure");
        string message = DestinationCheckFailure.Describe([.. failures.OrderBy(f => f.Pipeline, StringComparer.Ordinal)]);
        message.ShouldBe("2 pipelines cannot use their destinations:\n  pipeline a: Delivery:Pipelines:a:S3:BucketName: S3.AccessDenied\n  pipeline c: Delivery:Pipelines:c:HttpEndpoint:Url: the host 'x.invalid' does not resolve");
    }

    [Fact]
    public async Task AnUnexpectedException_FailsTheCheck_WithItsMessage_InsteadOfCrashing()
    {
        var broken = new FakeCheck("Delivery:Pipelines:a:S3:BucketName") { Throws = new InvalidOperationException("no client") };

        IReadOnlyList<DestinationCheckFailure> failures = await _runner.RunAsync(Checks(("a", [broken])), CancellationToken.None);

        failures.ShouldHaveSingleItem().Reason.ShouldBe($"{broken.Target}: InvalidOperationException: no client");
    }

    [Fact]
    public async Task Cancellation_StopsTheChecks()
    {
        var endpoint = new FakeCheck("Delivery:Pipelines:logs:HttpEndpoint:Url", CheckOutcome.Transient("refused"));
        using var stop = new CancellationTokenSource();

        Task<IReadOnlyList<DestinationCheckFailure>> run = _runner.RunAsync(Checks(("logs", [endpoint])), stop.Token);
        await Eventually.TrueAsync(() => endpoint.Attempts == 1, "the first attempt is made");
        await stop.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => run);
    }

    private static Dictionary<string, IReadOnlyList<IDestinationCheck>> Checks(params (string Pipeline, IDestinationCheck[] Checks)[] pipelines) =>
        pipelines.ToDictionary(p => p.Pipeline, p => (IReadOnlyList<IDestinationCheck>)p.Checks, StringComparer.Ordinal);

    // Moves the fake clock a second at a time, letting the checks run between steps.
    private async Task AdvanceUntilDoneAsync(Task run, TimeSpan limit)
    {
        await _time.AdvanceUntilAsync(() => run.IsCompleted, TimeSpan.FromSeconds(1), (int)limit.TotalSeconds);
        run.IsCompleted.ShouldBeTrue();
    }

    /// <summary>A check that answers with the outcomes it was given, the last one from then on, and counts its attempts.</summary>
    private sealed class FakeCheck(string setting, params CheckOutcome[] outcomes) : IDestinationCheck
    {
        private int _attempts;

        public string Setting { get; } = setting;

        public string Target => "fake://" + Setting;

        public bool Hangs { get; init; }

        public Exception? Throws { get; init; }

        public int Attempts => Volatile.Read(ref _attempts);

        public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
        {
            int attempt = Interlocked.Increment(ref _attempts);
            if (Hangs)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            if (Throws is not null)
            {
                throw Throws;
            }

            return outcomes[Math.Min(attempt, outcomes.Length) - 1];
        }
    }
}
