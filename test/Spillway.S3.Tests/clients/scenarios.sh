#!/usr/bin/env bash
# S3 scenarios driven through Debian's aws CLI (aws s3 and aws s3api), pointed at Spillway with --endpoint-url.
#
#     scenarios.sh <scenario>
#
# Environment: S3_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION;
# AWS_CLI names the aws executable (default /usr/bin/aws). Each scenario stops at the first failed check and prints one
# JSON line of what it observed.
set -euo pipefail

AWS_CLI="${AWS_CLI:-/usr/bin/aws}"
export AWS_PAGER=""
# Transfers print progress on stdout, which only the JSON line may use.
s3() { "$AWS_CLI" --endpoint-url "$S3_ENDPOINT" s3 "$@" >/dev/null; }
s3api() { "$AWS_CLI" --endpoint-url "$S3_ENDPOINT" --output json s3api "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
unique() { echo "$1-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# error_code COMMAND...: the code of the error the command fails with.
error_code() {
  local output
  if output=$("$@" 2>&1); then fail "$* succeeded but should have failed"; fi
  sed -n 's/.*An error occurred (\([^)]*\)).*/\1/p' <<<"$output" | head -n 1
}

scenario_copy() {
  local bucket small big listing recursive etag errors=()
  bucket=$(unique files)
  s3 mb "s3://$bucket"
  listing=$("$AWS_CLI" --endpoint-url "$S3_ENDPOINT" s3 ls)
  grep -q " $bucket\$" <<<"$listing" || fail "aws s3 ls does not list $bucket: $listing"

  echo "a small file" >"$WORK/small.txt"
  head -c $((20 * 1024 * 1024 + 12345)) /dev/urandom >"$WORK/big.bin"
  s3 cp "$WORK/small.txt" "s3://$bucket/docs/small.txt"
  s3 cp "$WORK/big.bin" "s3://$bucket/data/2026/big.bin"

  listing=$("$AWS_CLI" --endpoint-url "$S3_ENDPOINT" s3 ls "s3://$bucket/")
  grep -q "PRE docs/" <<<"$listing" || fail "no docs/ prefix in: $listing"
  grep -q "PRE data/" <<<"$listing" || fail "no data/ prefix in: $listing"
  recursive=$("$AWS_CLI" --endpoint-url "$S3_ENDPOINT" s3 ls --recursive "s3://$bucket" | awk '{print $4}' | paste -sd, -)

  s3 cp "s3://$bucket/data/2026/big.bin" "$WORK/big.copy"
  s3 cp "s3://$bucket/docs/small.txt" "$WORK/small.copy"
  cmp -s "$WORK/big.bin" "$WORK/big.copy" || fail "the multipart download differs from the upload"
  cmp -s "$WORK/small.txt" "$WORK/small.copy" || fail "the small download differs from the upload"
  etag=$(s3api head-object --bucket "$bucket" --key data/2026/big.bin | jq -r .ETag)
  small=$(s3api head-object --bucket "$bucket" --key docs/small.txt | jq -r .ContentLength)
  big=$(stat -c %s "$WORK/big.copy")

  errors+=("$(error_code s3api head-bucket --bucket "$(unique missing)")")
  errors+=("$(error_code s3api get-object --bucket "$bucket" --key nothing-here "$WORK/none")")
  errors+=("$(error_code "$AWS_CLI" --endpoint-url "$S3_ENDPOINT" s3 rb "s3://$bucket")")

  s3 rm "s3://$bucket/docs/small.txt"
  s3 rm --recursive "s3://$bucket"
  s3 rb "s3://$bucket"
  listing=$("$AWS_CLI" --endpoint-url "$S3_ENDPOINT" s3 ls)
  if grep -q " $bucket\$" <<<"$listing"; then fail "the bucket is still listed after rb"; fi

  jq -cn --arg etag "$etag" --arg recursive "$recursive" --argjson small "$small" --argjson big "$big" \
    --argjson errors "$(printf '%s\n' "${errors[@]}" | jq -R . | jq -sc .)" \
    '{etag: $etag, keys: ($recursive | split(",")), small: $small, big: $big, errors: $errors}'
}

# The seed's "process a file when it is uploaded": a queue named by the bucket's notification configuration gets S3's
# test event, then one event per matching upload; other keys and deletes send nothing.
scenario_events() {
  local bucket queue_url queue_arn config first more event key size name configured errors=()
  bucket=$(unique uploads)
  s3 mb "s3://$bucket"
  queue_url=$("$AWS_CLI" --endpoint-url "$S3_ENDPOINT" --output json sqs create-queue --queue-name "$(unique events)" | jq -r .QueueUrl)
  queue_arn=$("$AWS_CLI" --endpoint-url "$S3_ENDPOINT" --output json sqs get-queue-attributes --queue-url "$queue_url" \
    --attribute-names QueueArn | jq -r .Attributes.QueueArn)
  config=$(jq -cn --arg arn "$queue_arn" '{QueueConfigurations: [{Id: "csv-files", QueueArn: $arn,
    Events: ["s3:ObjectCreated:*"], Filter: {Key: {FilterRules: [{Name: "prefix", Value: "incoming/"}, {Name: "suffix", Value: ".csv"}]}}}]}')
  s3api put-bucket-notification-configuration --bucket "$bucket" --notification-configuration "$config" >/dev/null
  configured=$(s3api get-bucket-notification-configuration --bucket "$bucket" | jq -c '.QueueConfigurations[0] | [.Id, .QueueArn == $arn, .Events[0]]' --arg arn "$queue_arn")

  echo "x" >"$WORK/skip.txt"
  printf 'a,b\n1,2\n' >"$WORK/day.csv"
  s3 cp "$WORK/skip.txt" "s3://$bucket/incoming/skip.txt"
  s3 cp "$WORK/day.csv" "s3://$bucket/incoming/day 1.csv"
  s3 rm "s3://$bucket/incoming/day 1.csv"

  receive() {
    "$AWS_CLI" --endpoint-url "$S3_ENDPOINT" --output json sqs receive-message --queue-url "$queue_url" \
      --max-number-of-messages 10 --wait-time-seconds "$1" | jq -c '[.Messages[]?.Body | fromjson]'
  }
  # Events are durable before the upload is answered, so they are all there now.
  first=$(receive 5)
  if [ "$(jq length <<<"$first")" -lt 2 ]; then first=$(jq -c --argjson more "$(receive 5)" '. + $more' <<<"$first"); fi
  [ "$(jq length <<<"$first")" -eq 2 ] || fail "expected the test event and one upload event, got $first"
  jq -e '.[0].Event == "s3:TestEvent"' <<<"$first" >/dev/null || fail "no s3:TestEvent first: $first"
  event=$(jq -c '.[1].Records[0]' <<<"$first")
  name=$(jq -r .eventName <<<"$event")
  key=$(jq -r .s3.object.key <<<"$event")
  size=$(jq -r .s3.object.size <<<"$event")
  # With no message the CLI prints nothing at all.
  more=$(receive 0)
  [ -z "$more" ] || [ "$more" = "[]" ] || fail "more events than the one matching upload: $more"

  errors+=("$(error_code s3api put-bucket-notification-configuration --bucket "$bucket" \
    --notification-configuration '{"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:us-east-1:000000000000:no-such-queue","Events":["s3:ObjectCreated:*"]}]}')")
  errors+=("$(error_code s3api put-bucket-notification-configuration --bucket "$bucket" \
    --notification-configuration "$(jq -cn --arg arn "$queue_arn" '{QueueConfigurations: [{QueueArn: $arn, Events: ["s3:ObjectCreated:*"]}, {QueueArn: $arn, Events: ["s3:ObjectCreated:Put"]}]}')")")

  jq -cn --arg name "$name" --arg key "$key" --argjson size "$size" --argjson configured "$configured" \
    --argjson errors "$(printf '%s\n' "${errors[@]}" | jq -R . | jq -sc .)" \
    '{name: $name, key: $key, size: $size, configured: $configured, errors: $errors}'
}

case "${1:-}" in
  copy) scenario_copy ;;
  events) scenario_events ;;
  *) fail "unknown scenario '${1:-}'" ;;
esac
echo "SCENARIO OK $1"
