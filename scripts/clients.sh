#!/usr/bin/env bash
# Installs the real SQS, Kinesis, SNS and S3 clients the client tests drive, when missing:
#   Debian's awscli (2.9, query protocol for SQS and SNS, JSON 1.1 for Kinesis) and python3-boto3, with jq, openssl and
#   python3-cryptography, which the SNS scenarios verify signatures with; @aws-sdk/client-sqs (JSON protocol),
#   @aws-sdk/client-kinesis (JSON 1.1 over HTTP/2) and @aws-sdk/client-sns (query protocol) from npm into each client
#   test project's clients/node_modules, at the versions pinned in its package-lock.json.
#   scripts/clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/aws ] || missing+=(awscli)
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || missing+=(python3-boto3)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
/usr/bin/python3 -c 'import cryptography' >/dev/null 2>&1 || missing+=(python3-cryptography)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  # shellcheck source=scripts/lib.sh
  source scripts/lib.sh
  apt_install "${missing[@]}"
fi

# npm ci when the lock file is newer than the last install, so a fresh clone installs and a warm one does nothing.
for clients in test/Spillway.Sqs.ClientTests/clients test/Spillway.Kinesis.ClientTests/clients test/Spillway.Sns.ClientTests/clients \
  test/Spillway.Firehose.ClientTests/clients; do
  if [ ! -f "$clients/node_modules/.package-lock.json" ] || [ "$clients/package-lock.json" -nt "$clients/node_modules/.package-lock.json" ]; then
    echo "installing the npm clients of $clients (npm ci)" >&2
    (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done
