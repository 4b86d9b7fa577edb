#!/usr/bin/env bash
# Kinesis scenarios driven through Debian's aws CLI (JSON 1.1), pointed at Spillway with --endpoint-url.
#
#     scenarios.sh <scenario>
#
# Environment: KINESIS_ENDPOINT (http://127.0.0.1:PORT), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION;
# AWS_CLI names the aws executable (default /usr/bin/aws). Each scenario stops at the first failed check and prints one
# JSON line of what it observed.
set -euo pipefail

AWS_CLI="${AWS_CLI:-/usr/bin/aws}"
export AWS_PAGER=""
kinesis() { "$AWS_CLI" --endpoint-url "$KINESIS_ENDPOINT" --output json kinesis "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
unique() { echo "$1-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
ERRORS=()

# expect_error CODE kinesis-arguments...: the call must fail with that code.
expect_error() {
  local expected=$1 output code
  shift
  if output=$(kinesis "$@" 2>&1); then fail "kinesis $1 succeeded but should have failed"; fi
  code=$(sed -n 's/.*An error occurred (\([^)]*\)).*/\1/p' <<<"$output" | head -n 1)
  [[ $code == "$expected" ]] || fail "kinesis $1: expected $expected, got '$code': $output"
  ERRORS+=("$code")
}

# data ITERATOR: the base64 data of every record GetRecords returns from ITERATOR, one a line.
data() { kinesis get-records --shard-iterator "$1" | jq -r '.Records[].Data'; }
iterator() { kinesis get-shard-iterator --stream-name "$1" --shard-id "$2" --shard-iterator-type "$3" "${@:4}" | jq -r .ShardIterator; }

streams() {
  local name arn described shards
  name=$(unique admin)
  kinesis create-stream --stream-name "$name" --shard-count 2
  expect_error ResourceInUseException create-stream --stream-name "$name" --shard-count 2
  described=$(kinesis describe-stream --stream-name "$name")
  arn=$(jq -r .StreamDescription.StreamARN <<<"$described")
  [[ $arn == "arn:aws:kinesis:us-east-1:000000000000:stream/$name" ]] || fail "arn $arn"
  [[ $(jq '.StreamDescription.Shards | length' <<<"$described") == 2 ]] || fail "describe: $described"
  [[ $(kinesis describe-stream-summary --stream-arn "$arn" | jq .StreamDescriptionSummary.OpenShardCount) == 2 ]] || fail "summary"
  kinesis list-streams | jq -e --arg n "$name" '.StreamNames | index($n)' >/dev/null || fail "list-streams"
  kinesis increase-stream-retention-period --stream-name "$name" --retention-period-hours 48
  kinesis decrease-stream-retention-period --stream-name "$name" --retention-period-hours 36
  [[ $(kinesis describe-stream-summary --stream-name "$name" | jq .StreamDescriptionSummary.RetentionPeriodHours) == 36 ]] || fail "retention"
  expect_error InvalidArgumentException increase-stream-retention-period --stream-name "$name" --retention-period-hours 30
  kinesis add-tags-to-stream --stream-name "$name" --tags team=iot,env=dev
  kinesis remove-tags-from-stream --stream-name "$name" --tag-keys env
  [[ $(kinesis list-tags-for-stream --stream-name "$name" | jq -c '[.Tags[] | .Key + "=" + .Value]') == '["team=iot"]' ]] || fail "tags"
  kinesis split-shard --stream-name "$name" --shard-to-split shardId-000000000000 --new-starting-hash-key 85070591730234615865843651857942052864
  kinesis merge-shards --stream-name "$name" --shard-to-merge shardId-000000000002 --adjacent-shard-to-merge shardId-000000000003
  shards=$(kinesis list-shards --stream-name "$name" --shard-filter Type=AT_LATEST | jq -c '[.Shards[].ShardId]')
  [[ $shards == '["shardId-000000000001","shardId-000000000004"]' ]] || fail "list-shards after split and merge: $shards"
  kinesis update-shard-count --stream-name "$name" --target-shard-count 4 --scaling-type UNIFORM_SCALING >/dev/null
  [[ $(kinesis describe-stream-summary --stream-name "$name" | jq .StreamDescriptionSummary.OpenShardCount) == 4 ]] || fail "update-shard-count"
  kinesis update-stream-mode --stream-arn "$arn" --stream-mode-details StreamMode=ON_DEMAND
  [[ $(kinesis describe-stream-summary --stream-name "$name" | jq -r .StreamDescriptionSummary.StreamModeDetails.StreamMode) == ON_DEMAND ]] || fail "mode"
  kinesis delete-stream --stream-name "$name"
  expect_error ResourceNotFoundException describe-stream --stream-name "$name"
  OBSERVED=$(jq -n --arg a "$arn" --arg s "$shards" '{arn: $a, shards: ($s | fromjson)}')
}

records() {
  local name binary put seq shard entries it trim
  name=$(unique records)
  kinesis create-stream --stream-name "$name" --shard-count 1
  binary=$(mktemp)
  printf '\x00\x01\xfe\xff\xc3\x28 binary' >"$binary"
  put=$(kinesis put-record --stream-name "$name" --partition-key device-1 --data "fileb://$binary")
  seq=$(jq -r .SequenceNumber <<<"$put")
  shard=$(jq -r .ShardId <<<"$put")
  printf '温度 21.5 °C' >"$binary.utf8"
  kinesis put-record --stream-name "$name" --partition-key device-2 --data "fileb://$binary.utf8" >/dev/null
  entries='[{"PartitionKey":"a","Data":"b25l"},{"PartitionKey":"b","Data":"dHdv"}]'
  [[ $(kinesis put-records --stream-name "$name" --records "$entries" | jq .FailedRecordCount) == 0 ]] || fail "put-records"
  trim=$(iterator "$name" "$shard" TRIM_HORIZON)
  mapfile -t read < <(data "$trim")
  [[ ${#read[@]} == 4 ]] || fail "trim horizon read ${#read[@]} records"
  [[ ${read[0]} == "$(base64 -w0 <"$binary")" ]] || fail "binary data ${read[0]}"
  [[ $(base64 -d <<<"${read[1]}") == "温度 21.5 °C" ]] || fail "utf-8 data ${read[1]}"
  [[ $(data "$(iterator "$name" "$shard" AT_SEQUENCE_NUMBER --starting-sequence-number "$seq")" | wc -l) == 4 ]] || fail "at sequence"
  [[ $(data "$(iterator "$name" "$shard" AFTER_SEQUENCE_NUMBER --starting-sequence-number "$seq")" | wc -l) == 3 ]] || fail "after sequence"
  [[ $(data "$(iterator "$name" "$shard" AT_TIMESTAMP --timestamp "$(( $(date +%s) - 60 ))")" | wc -l) == 4 ]] || fail "at timestamp"
  it=$(iterator "$name" "$shard" LATEST)
  [[ $(data "$it" | wc -l) == 0 ]] || fail "latest before a put"
  kinesis put-record --stream-name "$name" --partition-key a --data "$(printf later | base64)" >/dev/null
  [[ $(data "$it") == "$(printf later | base64)" ]] || fail "latest after a put"
  expect_error InvalidArgumentException get-records --shard-iterator bm90LWFuLWl0ZXJhdG9y
  expect_error ResourceNotFoundException get-shard-iterator --stream-name "$name" --shard-id shardId-000000000042 --shard-iterator-type LATEST
  expect_error ResourceNotFoundException put-record --stream-name "$name-missing" --partition-key a --data eA==
  kinesis delete-stream --stream-name "$name"
  rm -f "$binary" "$binary.utf8"
  OBSERVED=$(jq -n --arg s "$seq" '{sequenceNumber: $s, errors: $ARGS.positional}' --args "${ERRORS[@]}")
}

consumers() {
  local name arn consumer
  name=$(unique efo)
  kinesis create-stream --stream-name "$name" --shard-count 1
  arn=$(kinesis describe-stream-summary --stream-name "$name" | jq -r .StreamDescriptionSummary.StreamARN)
  consumer=$(kinesis register-stream-consumer --stream-arn "$arn" --consumer-name app | jq -r .Consumer.ConsumerARN)
  [[ $consumer == "$arn/consumer/app:"* ]] || fail "consumer arn $consumer"
  [[ $(kinesis describe-stream-consumer --consumer-arn "$consumer" | jq -r .ConsumerDescription.ConsumerStatus) == ACTIVE ]] || fail "describe consumer"
  [[ $(kinesis list-stream-consumers --stream-arn "$arn" | jq -r '.Consumers[0].ConsumerName') == app ]] || fail "list consumers"
  expect_error ResourceInUseException delete-stream --stream-name "$name"
  kinesis deregister-stream-consumer --stream-arn "$arn" --consumer-name app
  expect_error ResourceNotFoundException describe-stream-consumer --consumer-arn "$consumer"
  kinesis delete-stream --stream-name "$name"
  OBSERVED=$(jq -n --arg c "$consumer" '{consumerArn: $c}')
}

scenario=${1:?usage: scenarios.sh <scenario>}
"$scenario"
jq -c . <<<"$OBSERVED"
echo "SCENARIO OK $scenario"
