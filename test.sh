#!/usr/bin/env bash
# Installs what the tests need (the npm emulators, the independent Parquet readers, playwright-core, PostgreSQL, the
# AWS CLI, boto3 and Chromium) and runs every test: unit tests with fakes and a fake clock, and integration tests against
# kinesalite, dynalite and s3rver started on free 127.0.0.1 ports by the test fixtures (or LocalStack: started through
# Testcontainers where a Docker engine answers, or the one at DELIVERY_TEST_AWS_ENDPOINT;
# DELIVERY_TEST_STACK=emulators|localstack|endpoint forces the choice), a private PostgreSQL cluster, DuckDB,
# parquet-wasm, hyparquet, ParquetSharp (Arrow C++) and snappyjs for the files Delivery writes, the AWS CLI and boto3 as
# foreign clients (Kinesis, S3 and Direct PUT), and Debian's Chromium for the dashboard. Extra arguments go to
# 'dotnet test'.
set -euo pipefail
cd "$(dirname "$0")"

need() { command -v "$1" >/dev/null 2>&1 || { echo "test.sh: '$1' is required ($2)." >&2; exit 1; }; }
need dotnet "install the .NET 10 SDK"
need node "install Node.js 20 or later"
need npm "install npm"

if [ ! -d tests/emulators/node_modules ] || [ tests/emulators/package-lock.json -nt tests/emulators/node_modules ]; then
  echo "Installing the local AWS emulators (npm ci)..."
  (cd tests/emulators && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -d tests/parquet-readers/node_modules ] || [ tests/parquet-readers/package-lock.json -nt tests/parquet-readers/node_modules ]; then
  # npm install from the lockfile rather than npm ci: npm ci insists on lock entries for DuckDB's bindings of every
  # other platform, which the registry mirror does not serve; --no-save leaves the lockfile as committed.
  echo "Installing the independent Parquet and Snappy readers (npm install from the lockfile)..."
  (cd tests/parquet-readers && npm install --no-audit --no-fund --no-save --loglevel=error && touch node_modules)
fi

if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
  echo "Installing playwright-core for the dashboard's browser test (npm ci; it drives the system Chromium, downloads none)..."
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

# Debian packages the tests use, installed when missing (as root, or with sudo).
apt_install() { # package, what it is for
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="none"; fi
  if [ "$sudo" = "none" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: $2 needs the Debian package '$1': install it." >&2
    exit 1
  fi
  echo "Installing $1 (apt-get install $1)..."
  if [ -z "${apt_updated:-}" ]; then $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}
# The Redshift destination's integration tests load into a private PostgreSQL cluster (initdb + pg_ctl, no service).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql "the Redshift tests (initdb and pg_ctl under /usr/lib/postgresql/<version>/bin)"
# End-to-end tests put records (Kinesis, Direct PUT) and read objects with Debian's AWS CLI (v2), a client nobody here
# wrote.
[ -x /usr/bin/aws ] || apt_install awscli "the AWS CLI end-to-end test (/usr/bin/aws)"
# The dashboard's browser test drives Debian's Chromium headless with playwright-core (no browser is downloaded).
[ -x /usr/bin/chromium ] || apt_install chromium "the dashboard's browser test (/usr/bin/chromium)"

# Direct PUT's end-to-end test puts records with boto3 (the AWS SDK for Python) as well, another foreign client.
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || apt_install python3-boto3 "Direct PUT's end-to-end test (/usr/bin/python3 with boto3)"

dotnet build Delivery.sln -c Release -nologo -v q
log=$(mktemp)
status=0
dotnet test Delivery.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?
# One summary line over all test assemblies, in the plain 'N passed, N failed' form. A test run that aborted (a crashed
# test host) counts as a failure, so the line never reads green when the exit status is not.
awk -v status="$status" '
  /(Passed|Failed)!  - Failed:/ { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
  /Test Run Aborted/ { aborted++ }
  END {
    if (aborted > 0) { f += aborted; printf "%d test run(s) aborted\n", aborted }
    if (status != 0 && f == 0) { f = 1; print "dotnet test failed (exit status " status ") without a failing test; see above" }
    printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s
  }' "$log"
rm -f "$log"
exit $status
