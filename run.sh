#!/usr/bin/env bash
# Runs Delivery on a local AWS stack: installs the emulators, starts kinesalite, dynalite and s3rver on 127.0.0.1,
# creates a 4-shard stream and a bucket, starts the worker with config/local.json and a load generator that puts
# clickstream records. Ctrl-C stops the load generator, lets the worker drain, checkpoint and release its leases, then
# stops the emulators. Streams, leases and objects are kept in .local/stack, so the next run resumes where this one
# stopped. Set DELIVERY_AWS_ENDPOINT=http://localhost:4566 to use a running LocalStack instead of the emulators
# (infra/localstack/docker-compose.yml starts one with Kinesis, DynamoDB, S3 and Lambda).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
STATE="$ROOT/.local"
RATE=${RATE:-200}
STREAM=delivery-demo
BUCKET=delivery-demo

need() { command -v "$1" >/dev/null 2>&1 || { echo "run.sh: '$1' is required ($2)." >&2; exit 1; }; }
need dotnet "install the .NET 10 SDK"
need node "install Node.js 20 or later"
need npm "install npm"
need setsid "install util-linux"

STACK_PID="" WORKER_PID="" LOADGEN_PID=""
stop_process() { # pid, name, seconds to wait
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 $(( $3 * 10 ))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  echo "run.sh: $2 did not stop in $3 s; killing it." >&2
  kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
  trap - INT TERM EXIT
  set +e
  echo
  echo "Stopping: load generator, then the worker (drains, checkpoints, releases its leases), then the emulators..."
  stop_process "$LOADGEN_PID" "the load generator" 10
  stop_process "$WORKER_PID" "the worker" 40
  if [ -z "${DELIVERY_AWS_ENDPOINT:-}" ]; then
    stop_process "$STACK_PID" "the local AWS stack" 10
    objects=$(find "$STATE/stack/s3/$BUCKET" -name '*.gz._S3rver_object' 2>/dev/null | wc -l)
    lines=0
    if [ "$objects" -gt 0 ]; then
      lines=$(find "$STATE/stack/s3/$BUCKET" -name '*.gz._S3rver_object' -print0 | xargs -0 cat | gunzip -c | wc -l)
    fi
    echo "s3://$BUCKET holds $objects objects with $lines records in total (all runs so far)."
    echo "Records put but not yet read stay in the stream and are delivered on the next ./run.sh."
    echo "Everything is kept in $STATE/stack; delete it to start afresh."
  fi
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT
# Output piped into something that went away (| tee, | less) must not kill the script before it has cleaned up.
trap '' PIPE

mkdir -p "$STATE"
echo "Building the worker and the load generator (about a minute the first time)..."
dotnet build "$ROOT/run.slnf" -c Release -nologo -v q -clp:ErrorsOnly
WORKER="$ROOT/src/Delivery.Worker/bin/Release/net10.0/Delivery.Worker"
LOADGEN="$ROOT/src/Delivery.LoadGenerator/bin/Release/net10.0/Delivery.LoadGenerator"

if [ -n "${DELIVERY_AWS_ENDPOINT:-}" ]; then
  KINESIS=$DELIVERY_AWS_ENDPOINT; DYNAMODB=$DELIVERY_AWS_ENDPOINT; S3=$DELIVERY_AWS_ENDPOINT
  export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
  echo "Using the AWS endpoint $DELIVERY_AWS_ENDPOINT"
else
  if [ ! -d "$ROOT/tests/emulators/node_modules" ]; then
    echo "Installing the local AWS emulators (npm ci)..."
    (cd "$ROOT/tests/emulators" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  mkdir -p "$STATE/stack"
  rm -f "$STATE/stack.json"
  # A session of its own: Ctrl-C in the terminal must not stop the emulators before the worker has drained.
  (cd "$ROOT/tests/emulators" && exec setsid node --openssl-legacy-provider local-aws-stack.js --data "$STATE/stack" --persist --parent-pid $$ \
    >"$STATE/stack.json" 2>"$STATE/stack.log" </dev/null) &
  STACK_PID=$!
  for _ in $(seq 1 100); do [ -s "$STATE/stack.json" ] && break; sleep 0.1; done
  [ -s "$STATE/stack.json" ] || { echo "The local AWS stack did not start; see $STATE/stack.log" >&2; exit 1; }
  read -r KINESIS DYNAMODB S3 < <(node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(s.kinesis,s.dynamodb,s.s3)' "$STATE/stack.json")
  # s3rver checks this one key pair; the other emulators accept any.
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
  echo "Local AWS stack: Kinesis $KINESIS, DynamoDB $DYNAMODB, S3 $S3 (data kept in $STATE/stack)"
fi
export AWS_REGION=us-east-1
export DELIVERY_KINESIS_ENDPOINT=$KINESIS DELIVERY_S3_ENDPOINT=$S3

"$LOADGEN" setup --stream "$STREAM" --shards 4 --bucket "$BUCKET"

Delivery__Aws__ServiceUrls__Kinesis=$KINESIS Delivery__Aws__ServiceUrls__DynamoDb=$DYNAMODB Delivery__Aws__ServiceUrls__S3=$S3 \
  Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__SingleLine=true \
  "$WORKER" --config "$ROOT/config/local.json" &
WORKER_PID=$!

"$LOADGEN" put --stream "$STREAM" --template clickstream --rate "$RATE" --count 0 &
LOADGEN_PID=$!

cat <<INFO

Delivery is running: $RATE clickstream records/s go into Kinesis stream '$STREAM' (4 shards) and come out as gzip
NDJSON objects in bucket '$BUCKET' under clickstream/YYYY/MM/dd/HH/ (every 10 s, or 1 MiB, per shard).
  Dashboard:                 http://127.0.0.1:${Delivery__Health__Port:-8080}/
  The same in a terminal:    $WORKER status${Delivery__Health__Port:+ --url http://127.0.0.1:$Delivery__Health__Port/}
INFO
if [ -z "${DELIVERY_AWS_ENDPOINT:-}" ]; then
cat <<INFO
  Objects on disk (s3rver):  find $STATE/stack/s3/$BUCKET -name '*.gz._S3rver_object'
  Read one:                  gunzip -c "\$(find $STATE/stack/s3/$BUCKET -name '*.gz._S3rver_object' | head -1)" | head -3
  With the AWS CLI:          AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url $S3 s3 ls s3://$BUCKET --recursive
INFO
fi
echo "Press Ctrl-C to stop."
echo
while true; do
  # Waiting on a background sleep lets Ctrl-C and SIGTERM take effect at once.
  sleep 15 & wait $! || true
  kill -0 "$WORKER_PID" 2>/dev/null || { echo "run.sh: the worker exited; stopping." >&2; exit 1; }
  if [ -z "${DELIVERY_AWS_ENDPOINT:-}" ]; then
    count=$(find "$STATE/stack/s3/$BUCKET" -name '*._S3rver_object' 2>/dev/null | wc -l)
    echo "[run.sh] $count objects in s3://$BUCKET so far"
  fi
done
