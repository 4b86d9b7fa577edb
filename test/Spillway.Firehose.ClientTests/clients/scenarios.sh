#!/usr/bin/env bash
# Firehose scenarios driven through Debian's aws CLI (JSON 1.1), pointed at Spillway with --endpoint-url; the delivered
# files are read back through its S3 commands.
#
#     scenarios.sh <scenario>
#
# Environment: FIREHOSE_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION;
# AWS_CLI names the aws executable (default /usr/bin/aws). Each scenario stops at the first failed check and prints one
# JSON line of what it observed.
set -euo pipefail

AWS_CLI="${AWS_CLI:-/usr/bin/aws}"
export AWS_PAGER=""
firehose() { "$AWS_CLI" --endpoint-url "$FIREHOSE_ENDPOINT" --output json --cli-binary-format raw-in-base64-out firehose "$@"; }
s3api() { "$AWS_CLI" --endpoint-url "$FIREHOSE_ENDPOINT" --output json s3api "$@"; }
s3() { "$AWS_CLI" --endpoint-url "$FIREHOSE_ENDPOINT" s3 "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
unique() { echo "$1-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
ROLE=arn:aws:iam::000000000000:role/firehose
DESTINATION=destinationId-000000000001
ERRORS=()
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# expect_error CODE firehose-arguments...: the call must fail with that code.
expect_error() {
  local expected=$1 output code
  shift
  if output=$(firehose "$@" 2>&1); then fail "firehose $1 succeeded but should have failed"; fi
  code=$(sed -n 's/.*An error occurred (\([^)]*\)).*/\1/p' <<<"$output" | head -n 1)
  [[ $code == "$expected" ]] || fail "firehose $1: expected $expected, got '$code': $output"
  ERRORS+=("$code")
}

# flush NAME: Spillway's admin endpoint delivers what is buffered now; prints the keys written, one per line.
flush() { curl -sf -X POST "$FIREHOSE_ENDPOINT/v1/delivery-streams/$1/flush" | jq -r '.files[]'; }

errors_json() { if [[ ${#ERRORS[@]} -eq 0 ]]; then echo '[]'; else printf '%s\n' "${ERRORS[@]}" | jq -R . | jq -sc .; fi; }

administration() {
  local name bucket arn description hints tags
  name=$(unique admin)
  bucket=$(unique lake)
  arn=$(firehose create-delivery-stream --delivery-stream-name "$name" --delivery-stream-type DirectPut \
    --extended-s3-destination-configuration "{\"RoleARN\":\"$ROLE\",\"BucketARN\":\"arn:aws:s3:::$bucket\",\"Prefix\":\"raw/\",
      \"BufferingHints\":{\"SizeInMBs\":1,\"IntervalInSeconds\":60},\"CompressionFormat\":\"GZIP\"}" \
    --tags Key=team,Value=data | jq -r .DeliveryStreamARN)
  [[ $arn == "arn:aws:firehose:us-east-1:000000000000:deliverystream/$name" ]] || fail "arn $arn"
  description=$(firehose describe-delivery-stream --delivery-stream-name "$name" | jq -c .DeliveryStreamDescription)
  [[ $(jq -r .DeliveryStreamStatus <<<"$description") == ACTIVE && $(jq -r .VersionId <<<"$description") == 1 ]] || fail "$description"
  hints=$(jq -c '.Destinations[0].ExtendedS3DestinationDescription.BufferingHints' <<<"$description")
  [[ $hints == '{"SizeInMBs":1,"IntervalInSeconds":60}' ]] || fail "hints $hints"
  [[ $(jq -r '.Destinations[0].ExtendedS3DestinationDescription.CompressionFormat' <<<"$description") == GZIP ]] || fail "$description"
  firehose list-delivery-streams --limit 10000 | jq -e --arg n "$name" '.DeliveryStreamNames | index($n)' >/dev/null || fail "not listed"
  expect_error ResourceInUseException create-delivery-stream --delivery-stream-name "$name" \
    --extended-s3-destination-configuration "{\"RoleARN\":\"$ROLE\",\"BucketARN\":\"arn:aws:s3:::$bucket\"}"

  firehose tag-delivery-stream --delivery-stream-name "$name" --tags Key=env,Value=dev
  tags=$(firehose list-tags-for-delivery-stream --delivery-stream-name "$name" | jq -c .Tags)
  [[ $tags == '[{"Key":"env","Value":"dev"},{"Key":"team","Value":"data"}]' ]] || fail "tags $tags"
  firehose untag-delivery-stream --delivery-stream-name "$name" --tag-keys env
  tags=$(firehose list-tags-for-delivery-stream --delivery-stream-name "$name" | jq -c .Tags)
  [[ $tags == '[{"Key":"team","Value":"data"}]' ]] || fail "tags $tags"

  firehose update-destination --delivery-stream-name "$name" --current-delivery-stream-version-id 1 \
    --destination-id "$DESTINATION" --extended-s3-destination-update '{"BufferingHints":{"SizeInMBs":2,"IntervalInSeconds":120}}'
  description=$(firehose describe-delivery-stream --delivery-stream-name "$name" | jq -c .DeliveryStreamDescription)
  hints=$(jq -c '.Destinations[0].ExtendedS3DestinationDescription.BufferingHints' <<<"$description")
  [[ $hints == '{"SizeInMBs":2,"IntervalInSeconds":120}' ]] || fail "hints $hints"
  expect_error ConcurrentModificationException update-destination --delivery-stream-name "$name" \
    --current-delivery-stream-version-id 1 --destination-id "$DESTINATION" --extended-s3-destination-update '{"Prefix":"other/"}'
  expect_error InvalidArgumentException create-delivery-stream --delivery-stream-name "$(unique bad)" \
    --extended-s3-destination-configuration "{\"RoleARN\":\"$ROLE\",\"BucketARN\":\"arn:aws:s3:::$bucket\",\"Prefix\":\"a/!{timestamp:yyyy}/\"}"
  firehose delete-delivery-stream --delivery-stream-name "$name"
  expect_error ResourceNotFoundException describe-delivery-stream --delivery-stream-name "$name"
  if firehose list-delivery-streams --limit 10000 | jq -e --arg n "$name" '.DeliveryStreamNames | index($n)' >/dev/null; then
    fail "still listed"
  fi
  jq -nc --arg version "$(jq -r .VersionId <<<"$description")" --argjson errors "$(errors_json)" '{version: $version, errors: $errors}'
}

delivery() {
  local name bucket first batch key lines
  name=$(unique readings)
  bucket=$(unique lake)
  firehose create-delivery-stream --delivery-stream-name "$name" \
    --extended-s3-destination-configuration "{\"RoleARN\":\"$ROLE\",\"BucketARN\":\"arn:aws:s3:::$bucket\",\"Prefix\":\"readings/\",
      \"BufferingHints\":{\"SizeInMBs\":1,\"IntervalInSeconds\":900},\"CompressionFormat\":\"GZIP\",
      \"ProcessingConfiguration\":{\"Enabled\":true,\"Processors\":[{\"Type\":\"AppendDelimiterToRecord\"}]}}" >/dev/null
  first=$(firehose put-record --delivery-stream-name "$name" --record '{"Data":"{\"n\":0}"}' | jq -r .RecordId)
  batch=$(firehose put-record-batch --delivery-stream-name "$name" \
    --records '[{"Data":"{\"n\":1}"},{"Data":"{\"n\":2}"},{"Data":"{\"n\":3}"},{"Data":"{\"n\":4}"},{"Data":"{\"n\":5}"}]')
  [[ $(jq -r .FailedPutCount <<<"$batch") == 0 ]] || fail "batch $batch"
  [[ $( (echo "$first"; jq -r '.RequestResponses[].RecordId' <<<"$batch") | sort -u | wc -l) == 6 ]] || fail "ids $batch"
  mapfile -t files < <(flush "$name")
  [[ ${#files[@]} == 1 ]] || fail "files ${files[*]}"
  key=${files[0]}
  [[ $(s3api list-objects-v2 --bucket "$bucket" --prefix readings/ | jq -r '[.Contents[].Key] | join(",")') == "$key" ]] || fail "listing"
  s3 cp "s3://$bucket/$key" "$WORK/file.gz" >/dev/null
  lines=$(gunzip -c "$WORK/file.gz" | jq -c .n | paste -sd, -)
  [[ $lines == "0,1,2,3,4,5" ]] || fail "lines $lines"
  firehose delete-delivery-stream --delivery-stream-name "$name"
  jq -nc --arg key "$key" --argjson errors "$(errors_json)" '{lines: 6, key: $key, errors: $errors}'
}

partitioning() {
  local name bucket answer prefixes a body
  name=$(unique orders)
  bucket=$(unique lake)
  firehose create-delivery-stream --delivery-stream-name "$name" \
    --extended-s3-destination-configuration "{\"RoleARN\":\"$ROLE\",\"BucketARN\":\"arn:aws:s3:::$bucket\",
      \"Prefix\":\"customer=!{partitionKeyFromQuery:customer}/\",\"ErrorOutputPrefix\":\"errors/!{firehose:error-output-type}/\",
      \"BufferingHints\":{\"SizeInMBs\":64,\"IntervalInSeconds\":900},\"DynamicPartitioningConfiguration\":{\"Enabled\":true},
      \"ProcessingConfiguration\":{\"Enabled\":true,\"Processors\":[
        {\"Type\":\"MetadataExtraction\",\"Parameters\":[{\"ParameterName\":\"MetadataExtractionQuery\",\"ParameterValue\":\"{customer:.customer}\"},
          {\"ParameterName\":\"JsonParsingEngine\",\"ParameterValue\":\"JQ-1.6\"}]},
        {\"Type\":\"AppendDelimiterToRecord\"}]}}" >/dev/null
  answer=$(firehose put-record-batch --delivery-stream-name "$name" \
    --records '[{"Data":"{\"customer\":\"a\",\"n\":1}"},{"Data":"{\"customer\":\"b\",\"n\":2}"},{"Data":"{\"customer\":\"a\",\"n\":3}"},{"Data":"not json"}]')
  [[ $(jq -r .FailedPutCount <<<"$answer") == 0 ]] || fail "batch $answer"
  [[ $(flush "$name" | wc -l) == 3 ]] || fail "flush"
  prefixes=$(s3api list-objects-v2 --bucket "$bucket" --delimiter / | jq -c '[.CommonPrefixes[].Prefix] | sort')
  a=$(s3api list-objects-v2 --bucket "$bucket" --prefix customer=a/ | jq -r '.Contents[].Key')
  [[ $(wc -l <<<"$a") == 1 ]] || fail "customer a: $a"
  body=$(s3 cp "s3://$bucket/$a" - | paste -sd '|' -)
  [[ $body == '{"customer":"a","n":1}|{"customer":"a","n":3}' ]] || fail "body $body"
  [[ $(s3api list-objects-v2 --bucket "$bucket" --prefix errors/partitioning-failed/ | jq '.Contents | length') == 1 ]] || fail "errors"
  firehose delete-delivery-stream --delivery-stream-name "$name"
  jq -nc --argjson prefixes "$prefixes" --argjson errors "$(errors_json)" '{prefixes: $prefixes, errors: $errors}'
}

scenario=$1
"$scenario"
echo "SCENARIO OK $scenario"
