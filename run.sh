#!/usr/bin/env bash
# Runs Delivery on a local AWS stack: installs the emulators, starts kinesalite, dynalite and s3rver on 127.0.0.1,
# creates a 4-shard stream and a bucket, starts the worker with config/local.json and a load generator that puts
# clickstream records. Ctrl-C stops everything it started (the worker drains and checkpoints first).
# Set DELIVERY_AWS_ENDPOINT=http://localhost:4566 to use a running LocalStack instead of the emulators.
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

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  for (( i=${#pids[@]}-1; i>=0; i-- )); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  echo "Stopped. Objects stay in $STATE/stack/s3/$BUCKET until you delete $STATE."
}
trap cleanup INT TERM EXIT

mkdir -p "$STATE"
echo "Building..."
dotnet build "$ROOT/src/Delivery.Worker" -c Release -nologo -v q -o "$STATE/worker" >/dev/null
dotnet build "$ROOT/src/Delivery.LoadGenerator" -c Release -nologo -v q -o "$STATE/loadgen" >/dev/null

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
  (cd "$ROOT/tests/emulators" && exec node --openssl-legacy-provider local-aws-stack.js --data "$STATE/stack" >"$STATE/stack.json" 2>"$STATE/stack.log") &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$STATE/stack.json" ] && break; sleep 0.1; done
  [ -s "$STATE/stack.json" ] || { echo "The local AWS stack did not start; see $STATE/stack.log" >&2; exit 1; }
  read -r KINESIS DYNAMODB S3 < <(node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(s.kinesis,s.dynamodb,s.s3)' "$STATE/stack.json")
  # s3rver verifies signatures against this one key pair; the emulators accept any.
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
  echo "Local AWS stack: Kinesis $KINESIS, DynamoDB $DYNAMODB, S3 $S3 (data in $STATE/stack)"
fi
export AWS_REGION=us-east-1
export DELIVERY_KINESIS_ENDPOINT=$KINESIS DELIVERY_S3_ENDPOINT=$S3

"$STATE/loadgen/Delivery.LoadGenerator" setup --stream "$STREAM" --shards 4 --bucket "$BUCKET"

Delivery__Aws__ServiceUrls__Kinesis=$KINESIS Delivery__Aws__ServiceUrls__DynamoDb=$DYNAMODB Delivery__Aws__ServiceUrls__S3=$S3 \
  "$STATE/worker/Delivery.Worker" --config "$ROOT/config/local.json" &
pids+=($!)

"$STATE/loadgen/Delivery.LoadGenerator" put --stream "$STREAM" --template clickstream --rate "$RATE" --count 0 &
pids+=($!)

cat <<INFO

Delivery is running: $RATE clickstream records/s go into Kinesis stream '$STREAM' (4 shards) and come out as
gzip NDJSON objects in bucket '$BUCKET' under clickstream/YYYY/MM/dd/HH/ (flushed every 10 s or 1 MiB per shard).
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
while sleep 15; do
  if [ -z "${DELIVERY_AWS_ENDPOINT:-}" ]; then
    count=$(find "$STATE/stack/s3/$BUCKET" -name '*._S3rver_object' 2>/dev/null | wc -l)
    echo "[run.sh] $count objects in s3://$BUCKET so far"
  fi
done
