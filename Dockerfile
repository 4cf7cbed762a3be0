# syntax=docker/dockerfile:1
# The Delivery worker as a container for ECS (see infra/README.md).
#   docker build -t delivery .
#   docker run --rm -e AWS_REGION=eu-west-1 -e DELIVERY_CONFIG_FILE=/app/config/production.json delivery
# Build stage: the .NET SDK. Runtime stage: the chiseled ASP.NET Core runtime (Kestrel serves the health endpoints),
# no SDK, no shell, no package manager, running as the non-root user 'app'.

ARG DOTNET_VERSION=10.0

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TARGETARCH
WORKDIR /source

# Restore from the project files alone, so this layer is reused until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/Delivery.Abstractions/Delivery.Abstractions.csproj src/Delivery.Abstractions/
COPY src/Delivery.Aws/Delivery.Aws.csproj src/Delivery.Aws/
COPY src/Delivery.Telemetry/Delivery.Telemetry.csproj src/Delivery.Telemetry/
COPY src/Delivery.Kinesis/Delivery.Kinesis.csproj src/Delivery.Kinesis/
COPY src/Delivery.Pipeline/Delivery.Pipeline.csproj src/Delivery.Pipeline/
COPY src/Delivery.Formats/Delivery.Formats.csproj src/Delivery.Formats/
COPY src/Delivery.Destinations/Delivery.Destinations.csproj src/Delivery.Destinations/
COPY src/Delivery.Transforms/Delivery.Transforms.csproj src/Delivery.Transforms/
COPY src/Delivery.DirectPut/Delivery.DirectPut.csproj src/Delivery.DirectPut/
COPY src/Delivery.Worker/Delivery.Worker.csproj src/Delivery.Worker/
RUN dotnet restore src/Delivery.Worker/Delivery.Worker.csproj -a $TARGETARCH

COPY appsettings.json ./
COPY src/ src/
RUN dotnet publish src/Delivery.Worker/Delivery.Worker.csproj -c Release -a $TARGETARCH --no-restore --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# The chiseled image has no time zone database, which S3:CustomTimeZone reads (Europe/Berlin...). The build stage's
# Debian image has tzdata; its files are data, the same for every architecture.
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
# The documented examples, for --config /app/config/<file> or as a starting point for a file mounted elsewhere.
COPY config/ ./config/

# Inside the container the health endpoints listen on every interface; publishing the port stays the operator's choice.
ENV Delivery__Health__ListenAddress=0.0.0.0 \
    Delivery__Health__Port=8080
EXPOSE 8080

USER $APP_UID

# ECS sends SIGTERM on stop, then SIGKILL after the task's stopTimeout: the worker drains within
# Delivery:ShutdownGracePeriodSeconds (25 s by default), below ECS's default stopTimeout of 30 s.
STOPSIGNAL SIGTERM

# The image has no curl or shell: the worker's own 'health' verb asks its /health/live endpoint.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["/app/Delivery.Worker", "health"]

ENTRYPOINT ["/app/Delivery.Worker"]
