// Starts kinesalite (Kinesis), dynalite (DynamoDB) and s3rver (S3) in one Node process, each bound to 127.0.0.1
// on a free port (or the given ones), and prints one JSON line with the endpoints once all three listen. It stops on
// SIGTERM/SIGINT and, with --stop-on-stdin-close, when stdin closes, so a test fixture that dies cannot leave it behind.
// With --persist, streams and tables are kept in DIR too (as objects always are), so a later start resumes them.
// With --parent-pid P it also stops once process P is gone, so a script killed outright leaves nothing behind.
// Usage: node --openssl-legacy-provider local-aws-stack.js --data DIR [--stop-on-stdin-close] [--persist] [--parent-pid P]
//        [--kinesis-port N] [--dynamodb-port N] [--s3-port N]
'use strict';
const path = require('path');
const fs = require('fs');

function arg(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const dataDir = path.resolve(arg('data', path.join(require('os').tmpdir(), 'delivery-stack-' + process.pid)));
fs.mkdirSync(path.join(dataDir, 's3'), { recursive: true });

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), '127.0.0.1', () => resolve(server.address().port));
  });
}

async function main() {
  const persist = process.argv.includes('--persist');
  const kinesalite = require('kinesalite')({
    createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000,
    path: persist ? path.join(dataDir, 'kinesis') : undefined,
  });
  const dynalite = require('dynalite')({
    createTableMs: 0, deleteTableMs: 0, updateTableMs: 0,
    path: persist ? path.join(dataDir, 'dynamodb') : undefined,
  });
  const S3rver = require('s3rver');
  const s3 = new S3rver({ address: '127.0.0.1', port: Number(arg('s3-port', 0)), silent: true, directory: path.join(dataDir, 's3') });

  const kinesisPort = await listen(kinesalite, arg('kinesis-port', 0));
  const dynamoPort = await listen(dynalite, arg('dynamodb-port', 0));
  const s3Address = await s3.run();

  const stop = async () => {
    try { kinesalite.close(); } catch (_) { }
    try { dynalite.close(); } catch (_) { }
    try { await s3.close(); } catch (_) { }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const parentPid = Number(arg('parent-pid', 0));
  if (parentPid > 0) {
    setInterval(() => {
      try { process.kill(parentPid, 0); } catch (_) { stop(); }
    }, 1000).unref();
  }
  if (process.argv.includes('--stop-on-stdin-close')) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }

  process.stdout.write(JSON.stringify({
    kinesis: `http://127.0.0.1:${kinesisPort}`,
    dynamodb: `http://127.0.0.1:${dynamoPort}`,
    s3: `http://127.0.0.1:${s3Address.port}`,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    region: 'us-east-1',
    dataDir,
  }) + '\n');
}

main().catch(err => { console.error('local AWS stack failed to start: ' + (err && err.stack || err)); process.exit(1); });
